// Package client is the Go SDK for the Kabinet API, generated from
// api/openapi.yaml by oapi-codegen.
//
// Create a client with NewClientWithResponses and the server's base URL
// (e.g. "https://kabinet.example.org"). Every operation of the spec has a
// method named after its operationId: RegisterWithResponse, LoginWithResponse,
// GetMeWithResponse and so on. The returned value holds the decoded body of
// each documented status (JSON200, ApplicationProblemJSON401, …) next to the
// raw HTTPResponse.
//
// Authenticated operations need the access token from Register, Login or
// RefreshTokens; pass it with a request editor that sets the
// "Authorization: Bearer <token>" header (see the example). Access tokens live
// 15 minutes by default; exchange the refresh token for new ones with
// RefreshTokensWithResponse. Errors are RFC 9457 problems (type Problem)
// whose Code is stable and whose Errors name the invalid fields.
//
// This file is hand-written; everything else in the package is generated.
package client
