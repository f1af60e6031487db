package web

import (
	"context"
	"net/http"
	"strconv"
)

// UnavailableRetryAfter is how many seconds a client should wait before
// retrying while the database is unreachable: long enough not to hammer a
// server that is restarting, short enough that users barely notice.
const UnavailableRetryAfter = 5

// Unavailable is the 503 problem for a request that failed because the
// database could not be reached (store.Unavailable). Clients, SDKs and load
// balancers back off for Retry-After seconds and retry; a transaction cut
// short was rolled back, so nothing of the request was done.
func Unavailable(ctx context.Context) *Error {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(UnavailableRetryAfter))
	return &Error{
		Problem: NewProblem(ctx, http.StatusServiceUnavailable, CodeUnavailable,
			"The service is temporarily unavailable; try again shortly."),
		Header: h,
	}
}
