// A header that reaches up the layers: check_layers.py must fail on it.
#include "cli/run.h"
