package routing

import "errors"

// errTODO marks the cases API until its implementation lands (issue 8).
var errTODO = errors.New("routing: cases are not implemented yet")
