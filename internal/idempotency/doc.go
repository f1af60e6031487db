// Package idempotency makes POSTs that create orders, payments or refunds
// safe to repeat, following Stripe's Idempotency-Key rules. It is an Echo
// middleware attached to a list of operations (ForOperations, for the
// generated server's per-operation middlewares); it runs after the spec
// validator, so it sees only authenticated, schema-valid requests.
//
// The rules:
//
//   - Keys are scoped per caller (the authenticated user): two users never
//     share a key. A key is 1–255 printable ASCII characters; a request
//     without the header is not idempotent and simply runs.
//   - The fingerprint of a request is SHA-256 over its method, path with
//     query, and body. The first response to a key — status, the headers
//     that describe it (Content-Type, Location, ETag, Content-Language) and
//     body — is stored and replayed, with Idempotent-Replayed: true, to any
//     later request with the same key and fingerprint.
//   - The same key with another fingerprint (another body or endpoint) is
//     refused: 422 idempotency_key_reused. Nothing runs.
//   - What is stored (Keep): 2xx responses (the handler committed its
//     change) and the business outcomes 402, 409 and 410 (a declined payment,
//     a conflicting state: the answer the client must keep seeing for that
//     attempt). Not stored: requests refused by validation — the spec
//     validator's 400/415/422 never reach the middleware, and a handler's own
//     400, 401, 403, 404, 422 and 429 store nothing either, since nothing was
//     done — nor 5xx and errors (the handler's transaction rolled back). The
//     key is then free again and a retry with it runs anew. This is narrower
//     than Stripe, which also replays 5xx: a replayed 500 would pin a
//     transient failure to the key.
//   - Keys live 24 hours (Config.TTL). An expired key is free again at once;
//     Purge deletes expired rows (to be scheduled as a periodic job).
//   - Concurrent duplicates wait for the first: the first request inserts
//     the key's row in a transaction and holds it, uncommitted, while its
//     handler runs; it commits the row together with the response it keeps,
//     or rolls it back. A duplicate's INSERT … ON CONFLICT waits on that row
//     and then either replays the committed response or, after a rollback,
//     becomes the first itself. The handler never runs twice at once for one
//     key. A duplicate that waits longer than Config.LockTimeout gets 409
//     idempotency_key_in_use and may retry.
//
// The window left open: the handler commits in its own transaction, before
// the key's row is committed. If the process dies between the two, the key
// is free and a retry runs the handler again. A handler that must rule this
// out stores KeyFrom(ctx) in a unique column of the row it creates (an
// order's idempotency key) and answers the retry from that row.
package idempotency
