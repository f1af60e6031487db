package httpapi

import (
	"context"
	"net/http"
	"strconv"
)

// unavailableRetryAfter is how many seconds a client should wait before
// retrying while the database is unreachable: long enough not to hammer a
// server that is restarting, short enough that users barely notice.
const unavailableRetryAfter = 5

// unavailable is the 503 problem for a request that failed because the
// database could not be reached (see store.Unavailable). Clients, SDKs and
// load balancers back off for Retry-After seconds and retry; nothing of the
// request was done that the client needs to know about, since a transaction
// cut short is rolled back.
func unavailable(ctx context.Context) *problemError {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(unavailableRetryAfter))
	return &problemError{
		problem: newProblem(ctx, http.StatusServiceUnavailable, codeUnavailable,
			"The service is temporarily unavailable; try again shortly."),
		header: h,
	}
}
