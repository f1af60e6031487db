package store

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unavailable reports whether err means the database could not be reached
// or dropped the connection, rather than refused the statement: a connect
// failure (refused, timed out, the database not accepting connections), a
// connection cut mid-request, a server shutting down or full (SQLSTATE
// classes 08 and 57P, 53300), or a wait for a connection that ran out of
// time. Such a request may succeed if retried later; the HTTP layer answers
// it 503. A request the client itself cancelled is not unavailability.
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var pgErr *pgconn.PgError
	var connectErr *pgconn.ConnectError
	switch {
	case errors.As(err, &connectErr):
		return true
	case errors.As(err, &pgErr):
		return unavailableState(pgErr.Code)
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) ||
		pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// unavailableState tells the SQLSTATEs of a server that cannot serve now.
func unavailableState(code string) bool {
	switch code {
	case "57P01", // admin_shutdown
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now (starting up, in recovery)
		"53300": // too_many_connections
		return true
	}
	return strings.HasPrefix(code, "08") // connection_exception and its kin
}
