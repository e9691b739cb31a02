/* schema.c - the dimension names of schema.h's X-macro list. */
#include "schema.h"

const char *const schema_dim_names[DIM_COUNT] = {
#define SCHEMA__NAME(id, name, lname) name,
    SCHEMA_DIMS(SCHEMA__NAME)
#undef SCHEMA__NAME
};

const char *const schema_dim_long_names[DIM_COUNT] = {
#define SCHEMA__LNAME(id, name, lname) lname,
    SCHEMA_DIMS(SCHEMA__LNAME)
#undef SCHEMA__LNAME
};
