# check_h5.R - does R (hdf5r) read a sancsim result as documented?
#
# Usage: Rscript tests/integration/check_h5.R FILE [--expect-var NAME]...
# Exit 0 and print "ok: FILE" when valid; otherwise one line per problem and
# exit 1.  Callers skip when Rscript or hdf5r is absent.
#
# R lists HDF5 axes in reverse (Fortran order): the `dims` attribute is
# written time first, so an R user sees it reversed; this checks that the
# reversed attribute and the attached dimension scales agree with R's dims.

suppressPackageStartupMessages(library(hdf5r))

args <- commandArgs(trailingOnly = TRUE)
expect <- character(0)
file <- NULL
i <- 1
while (i <= length(args)) {
  if (args[i] == "--expect-var" && i < length(args)) {
    expect <- c(expect, args[i + 1])
    i <- i + 2
  } else if (is.null(file)) {
    file <- args[i]
    i <- i + 1
  } else {
    cat("usage: check_h5.R FILE [--expect-var NAME]...\n")
    quit(status = 2)
  }
}
if (is.null(file)) {
  cat("usage: check_h5.R FILE [--expect-var NAME]...\n")
  quit(status = 2)
}

errs <- character(0)
err <- function(...) errs <<- c(errs, paste0(...))

f <- tryCatch(H5File$new(file, mode = "r"), error = function(e) {
  cat(file, ": cannot open: ", conditionMessage(e), "\n", sep = "")
  quit(status = 1)
})

root_str <- c("software", "software_version", "git_revision", "compiler", "hdf5_version",
              "gsl_version", "libconfig_version", "rng", "command_line", "created",
              "config_sha256", "scenario", "Conventions", "history")
for (a in root_str) {
  if (!f$attr_exists(a)) err("root attribute ", a, " missing")
  else if (!is.character(h5attr(f, a))) err("root attribute ", a, " is not a string")
}
if (!f$attr_exists("seed")) err("root attribute seed missing")
if (!f$attr_exists("complete")) {
  err("root attribute complete missing (run not finished)")
} else if (!identical(as.integer(h5attr(f, "complete")), 1L)) {
  err("root attribute complete is not 1")
}
if (f$attr_exists("software") && !identical(h5attr(f, "software"), "sancsim"))
  err("root attribute software is not 'sancsim'")

if (!f$exists("provenance") || !f[["provenance"]]$exists("config")) {
  err("/provenance/config missing")
} else {
  cfg <- f[["provenance/config"]]$read()
  if (!is.character(cfg) || length(cfg) != 1) err("/provenance/config is not one string")
}

scale_names <- c("time", "country", "partner", "exporter", "importer", "sector",
                 "payment_system", "hub", "sanction", "run", "parameter", "point", "action", "decision")
if (!f$exists("time")) err("dimension scale time missing")

listing <- f$ls()
for (name in as.character(listing$name[as.character(listing$obj_type) == "H5I_DATASET"])) {
  ds <- f[[name]]
  is_scale <- ds$attr_exists("CLASS") && identical(h5attr(ds, "CLASS"), "DIMENSION_SCALE")
  if (is_scale) {
    if (!(name %in% scale_names)) err(name, ": unexpected dimension scale")
    if (name == "time") {
      tv <- ds$read()
      if (length(tv) > 1 && any(diff(tv) <= 0)) err("time is not strictly increasing")
      if (!ds$attr_exists("units") || !grepl("^days since [0-9]{4}-[0-9]{2}-01$", h5attr(ds, "units")))
        err("time: units is not 'days since YYYY-MM-01'")
      if (!ds$attr_exists("calendar") || !identical(h5attr(ds, "calendar"), "proleptic_gregorian"))
        err("time: calendar is not 'proleptic_gregorian'")
    } else if (name %in% c("run", "point")) {
      # integer coordinates 0..n-1 (int64: hdf5r gives integer64 or double)
      idx <- as.numeric(ds$read())
      if (!identical(idx, as.numeric(seq_len(ds$dims) - 1))) err(name, ": not the coordinate 0..n-1")
    } else if (prod(ds$dims) == 0) {
      err(name, ": zero-length axis")
    } else {
      lab <- ds$read()
      if (!is.character(lab)) err(name, ": labels are not strings")
      else if (anyDuplicated(lab)) err(name, ": duplicate labels")
    }
    next
  }
  for (a in c("units", "long_name", "description", "dims")) {
    if (!ds$attr_exists(a) || !is.character(h5attr(ds, a)))
      err(name, ": attribute ", a, " missing or not a string")
  }
  if (!ds$attr_exists("dims")) next
  dn <- strsplit(h5attr(ds, "dims"), " ", fixed = TRUE)[[1]]
  rdims <- ds$dims
  if (length(dn) != length(rdims)) {
    err(name, ": dims attribute has ", length(dn), " names, R sees rank ", length(rdims))
    next
  }
  # sweeps: run (or point) first; the governments' decision table is along `decision` alone
  if (!(dn[1] %in% c("time", "run", "point", "decision"))) err(name, ": first dimension is not time")
  # R's dims are the HDF5 dims reversed
  want <- rev(vapply(dn, function(d) if (f$exists(d)) as.numeric(f[[d]]$dims) else NA_real_, 0))
  if (any(is.na(want)) || any(want != rdims))
    err(name, ": R dims (", paste(rdims, collapse = ","), ") do not match scales ",
        paste(rev(dn), collapse = ","))
  if (!ds$attr_exists("DIMENSION_LIST")) {
    err(name, ": no dimension scales attached")
  } else {
    dl <- ds$attr_open("DIMENSION_LIST")$read()
    for (k in seq_along(dn)) {
      attached <- tryCatch(dl[[k]]$dereference(obj = f)[[1]]$get_obj_name(),
                           error = function(e) NA_character_)
      if (!identical(attached, paste0("/", dn[k])))
        err(name, ": axis ", k, " attached to ", attached, ", dims says ", dn[k])
    }
  }
  # (in a sweep, runs that failed or are pending hold the NaN fill value)
  if (ds$get_type()$get_class() == "H5T_FLOAT" && prod(rdims) > 0 && dn[1] == "time") {
    x <- ds$read()
    if (any(!is.finite(x))) err(name, ": ", sum(!is.finite(x)), " NaN/Inf values")
  }
}
for (v in expect) if (!f$exists(v)) err("expected variable ", v, " missing")
f$close_all()

if (length(errs)) {
  cat(paste0(file, ": ", errs, "\n"), sep = "")
  quit(status = 1)
}
cat("ok: ", file, "\n", sep = "")
