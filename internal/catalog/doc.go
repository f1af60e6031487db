// Package catalog is the organizations' catalog: programs, their categories,
// teachers and groups. It holds the rules that a schema cannot express
// (program.go) and the HTTP handlers (Handler, one file per resource) that
// apply them before calling the sqlc queries of db/queries/catalog_*.sql:
// the public catalog (public_*.go), its administration by staff
// (orgs.go, logo.go, categories.go, programs.go, program_status.go,
// covers.go, groups.go, history.go) and organizations created by platform
// operators. The public search itself is in catalog/search.
//
// What the database enforces by itself, and the constraint names the
// handlers can map to answers:
//   - slugs unique per organization (programs_organization_id_slug_key,
//     program_categories_organization_id_slug_key) → 409;
//   - ПК and ПП lead to their state-format documents and need СНИЛС and
//     prior education (programs_state_format) → 422; CheckProgram reports the
//     same with field names first;
//   - a category moved under itself (program_categories_no_cycle) or deeper
//     than six levels (program_categories_depth) → 422; deleting one with
//     children is a foreign-key violation → 409;
//   - a group's capacity below its taken seats (study_groups_seats) → 422.
//
// Updates take the version from If-Match and return no row when it is
// stale (412), and every change lands in catalog_history with the actor set
// by SetCatalogActor in the same transaction.
package catalog
