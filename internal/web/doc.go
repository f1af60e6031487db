// Package web is the HTTP plumbing every domain package shares: problem+json
// constructors and the stable error codes, the authenticated caller on the
// context, request metadata, field checks, cursors and list limits, the
// attempt throttle, organization role checks and the recent-authentication
// check. It holds no handler: domains (identity, organizations, …) build on
// it and internal/httpapi assembles them.
package web
