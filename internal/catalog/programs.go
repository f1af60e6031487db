package catalog

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListPrograms is staff's list of the organization's programs.
func (s *Handler) ListPrograms(ctx context.Context, req api.ListProgramsRequestObject) (api.ListProgramsResponseObject, error) {
	if _, err := s.staffCaller(ctx, req.OrganizationID, web.StaffRoles...); err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListStaffProgramsParams{OrganizationID: req.OrganizationID, CategoryID: req.Params.Category, Lim: int32(limit + 1)}
	if st := req.Params.Status; st != nil {
		params.Status = db.NullProgramStatus{ProgramStatus: db.ProgramStatus(*st), Valid: true}
	}
	if q := req.Params.Q; q != nil && strings.TrimSpace(*q) != "" {
		text := strings.Join(strings.Fields(*q), " ")
		pattern := "%" + likeEscaper.Replace(text) + "%"
		params.TextPattern, params.TextQuery = &pattern, &text
	}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.AfterCreatedAt, params.AfterID = &at, &id
	}
	rows, err := s.Q.ListStaffPrograms(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.ProgramPage{Items: []api.ProgramSummary{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		next := web.EncodeCursor(last.CreatedAt, last.ID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		page.Items = append(page.Items, summaryDTO(req.OrganizationID, r))
	}
	return api.ListPrograms200JSONResponse(page), nil
}

// likeEscaper makes text match itself in ILIKE (default escape '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// CreateProgram creates a draft program.
func (s *Handler) CreateProgram(ctx context.Context, req api.CreateProgramRequestObject) (api.CreateProgramResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	b := req.Body
	kind := db.ProgramKind(b.Kind)
	d := DefaultsFor(kind)
	in := db.CreateProgramParams{
		OrganizationID: req.OrganizationID, CategoryID: b.CategoryID, Slug: b.Slug, Title: b.Title,
		ShortDescription: strings.TrimSpace(deref(b.ShortDescription)), DescriptionMd: deref(b.DescriptionMd),
		Kind: kind, CompletionDocument: d.CompletionDocument, AcademicHours: b.AcademicHours, Format: db.StudyFormat(b.Format),
		PriceMinor: b.PriceMinor, Currency: "RUB", Tags: nonNil(deref(b.Tags)), RequiredDocuments: d.RequiredDocuments,
		RequiresSnils: d.RequiresSNILS, RequiresPriorEducation: d.RequiresPriorEducation,
	}
	if b.CompletionDocument != nil {
		in.CompletionDocument = db.CompletionDocument(*b.CompletionDocument)
	}
	if b.Currency != nil {
		in.Currency = *b.Currency
	}
	if b.RequiredDocuments != nil {
		in.RequiredDocuments = docStrings(*b.RequiredDocuments)
	}
	if b.RequiresSnils != nil {
		in.RequiresSnils = *b.RequiresSnils
	}
	if b.RequiresPriorEducation != nil {
		in.RequiresPriorEducation = *b.RequiresPriorEducation
	}
	f := programFields{title: &in.Title, md: &in.DescriptionMd, html: &in.DescriptionHtml, tags: &in.Tags,
		check: ProgramFields{Kind: in.Kind, CompletionDocument: in.CompletionDocument, AcademicHours: in.AcademicHours,
			RequiresSNILS: in.RequiresSnils, RequiresPriorEducation: in.RequiresPriorEducation,
			RequiredDocuments: in.RequiredDocuments, Tags: in.Tags, Currency: in.Currency}}
	if err := s.checkProgram(ctx, f); err != nil {
		return nil, err
	}
	var out db.Program
	var teachers []db.ListProgramTeachersRow
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		if out, err = q.CreateProgram(ctx, in); err != nil {
			return err
		}
		teachers, err = s.setTeachers(ctx, q, out, b.TeacherIds)
		return err
	})
	if err != nil {
		return nil, programWriteError(ctx, err)
	}
	return api.CreateProgram201JSONResponse{Body: programDTO(out, teachers), Headers: api.CreateProgram201ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// GetProgram shows a program to staff, whatever its status.
func (s *Handler) GetProgram(ctx context.Context, req api.GetProgramRequestObject) (api.GetProgramResponseObject, error) {
	if _, err := s.staffCaller(ctx, req.OrganizationID, web.StaffRoles...); err != nil {
		return nil, err
	}
	prog, err := s.program(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	tag := versionTag(prog.Version)
	if notModified(req.Params.IfNoneMatch, tag) {
		return api.GetProgram304Response{Headers: api.GetProgram304ResponseHeaders{ETag: tag, CacheControl: privateCache}}, nil
	}
	teachers, err := s.Q.ListProgramTeachers(ctx, db.ListProgramTeachersParams{OrganizationID: prog.OrganizationID, ProgramID: prog.ID})
	if err != nil {
		return nil, err
	}
	return api.GetProgram200JSONResponse{Body: programDTO(prog, teachers), Headers: api.GetProgram200ResponseHeaders{ETag: tag, CacheControl: privateCache}}, nil
}

// UpdateProgram changes a program's fields; the result is checked whole.
func (s *Handler) UpdateProgram(ctx context.Context, req api.UpdateProgramRequestObject) (api.UpdateProgramResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	prog, err := s.program(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	version, err := requireIfMatch(ctx, req.Params.IfMatch, prog.Version)
	if err != nil {
		return nil, err
	}
	b := req.Body
	in := db.UpdateProgramParams{
		OrganizationID: prog.OrganizationID, ID: prog.ID, Version: version, CategoryID: prog.CategoryID, Slug: prog.Slug,
		Title: prog.Title, ShortDescription: prog.ShortDescription, DescriptionMd: prog.DescriptionMd, DescriptionHtml: prog.DescriptionHtml,
		Kind: prog.Kind, CompletionDocument: prog.CompletionDocument, AcademicHours: prog.AcademicHours, Format: prog.Format,
		PriceMinor: prog.PriceMinor, Currency: prog.Currency, Tags: prog.Tags, RequiredDocuments: prog.RequiredDocuments,
		RequiresSnils: prog.RequiresSnils, RequiresPriorEducation: prog.RequiresPriorEducation,
	}
	if b.CategoryID.IsSpecified() {
		in.CategoryID = nil
		if !b.CategoryID.IsNull() {
			id := uuid.UUID(b.CategoryID.MustGet())
			in.CategoryID = &id
		}
	}
	set(&in.Slug, b.Slug)
	set(&in.Title, b.Title)
	setTrimmed(&in.ShortDescription, b.ShortDescription)
	renderMD := b.DescriptionMd != nil
	set(&in.DescriptionMd, b.DescriptionMd)
	if b.Kind != nil {
		in.Kind = db.ProgramKind(*b.Kind)
	}
	if b.CompletionDocument != nil {
		in.CompletionDocument = db.CompletionDocument(*b.CompletionDocument)
	}
	set(&in.AcademicHours, b.AcademicHours)
	if b.Format != nil {
		in.Format = db.StudyFormat(*b.Format)
	}
	set(&in.PriceMinor, b.PriceMinor)
	set(&in.Currency, b.Currency)
	set(&in.Tags, b.Tags)
	if b.RequiredDocuments != nil {
		in.RequiredDocuments = docStrings(*b.RequiredDocuments)
	}
	set(&in.RequiresSnils, b.RequiresSnils)
	set(&in.RequiresPriorEducation, b.RequiresPriorEducation)
	f := programFields{title: &in.Title, md: &in.DescriptionMd, html: &in.DescriptionHtml, tags: &in.Tags, skipRender: !renderMD,
		check: ProgramFields{Kind: in.Kind, CompletionDocument: in.CompletionDocument, AcademicHours: in.AcademicHours,
			RequiresSNILS: in.RequiresSnils, RequiresPriorEducation: in.RequiresPriorEducation,
			RequiredDocuments: in.RequiredDocuments, Tags: in.Tags, Currency: in.Currency}}
	if err := s.checkProgram(ctx, f); err != nil {
		return nil, err
	}
	var out db.Program
	var teachers []db.ListProgramTeachersRow
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		if out, err = q.UpdateProgram(ctx, in); err != nil {
			return err
		}
		if b.TeacherIds == nil {
			teachers, err = q.ListProgramTeachers(ctx, db.ListProgramTeachersParams{OrganizationID: out.OrganizationID, ProgramID: out.ID})
			return err
		}
		if err := q.ClearProgramTeachers(ctx, db.ClearProgramTeachersParams{OrganizationID: out.OrganizationID, ProgramID: out.ID}); err != nil {
			return err
		}
		teachers, err = s.setTeachers(ctx, q, out, b.TeacherIds)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, s.staleProgram(ctx, prog)
	}
	if err != nil {
		return nil, programWriteError(ctx, err)
	}
	return api.UpdateProgram200JSONResponse{Body: programDTO(out, teachers), Headers: api.UpdateProgram200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// DeleteProgram deletes a draft that was never published.
func (s *Handler) DeleteProgram(ctx context.Context, req api.DeleteProgramRequestObject) (api.DeleteProgramResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	prog, err := s.program(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	version, err := requireIfMatch(ctx, req.Params.IfMatch, prog.Version)
	if err != nil {
		return nil, err
	}
	if prog.Status != db.ProgramStatusDraft || prog.PublishedAt != nil {
		return nil, web.Fail(ctx, http.StatusConflict, codeProgramWasPublished,
			"Only a draft that was never published may be deleted (status: "+string(prog.Status)+"); archive it instead.")
	}
	var n int64
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		n, err = q.DeleteProgram(ctx, db.DeleteProgramParams{OrganizationID: prog.OrganizationID, ID: prog.ID, Version: version})
		return err
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, s.staleProgram(ctx, prog)
	}
	if prog.CoverKey != nil {
		if err := s.Q.DeleteCatalogImage(ctx, *prog.CoverKey); err == nil {
			s.dropBlob(ctx, *prog.CoverKey)
		}
	}
	return api.DeleteProgram204Response{}, nil
}

// programFields are what checkProgram normalizes and checks.
type programFields struct {
	title, md, html *string
	tags            *[]string
	skipRender      bool
	check           ProgramFields
}

// checkProgram applies the rules of CheckProgram and renders the
// description; 422 lists every broken rule.
func (s *Handler) checkProgram(ctx context.Context, f programFields) error {
	var fields []api.FieldError
	title, errs := web.CheckName("title", *f.title)
	*f.title = title
	fields = append(fields, errs...)
	for field, msg := range CheckProgram(f.check) {
		fields = append(fields, web.FieldError(field, "invalid_value", msg))
	}
	if tags, err := NormalizeTags(*f.tags); err == nil {
		*f.tags = tags
	}
	if len(fields) > 0 {
		return invalid(ctx, fields...)
	}
	if !f.skipRender {
		html, err := s.md.Render(*f.md)
		if err != nil {
			return err
		}
		*f.html = html
	}
	return nil
}

// setTeachers assigns the given members as the program's teachers, in
// order; ids that are not active teachers of the organization are 422.
func (s *Handler) setTeachers(ctx context.Context, q *db.Queries, prog db.Program, ids *[]uuid.UUID) ([]db.ListProgramTeachersRow, error) {
	if ids != nil && len(*ids) > 0 {
		ok, err := q.ListActiveTeachers(ctx, db.ListActiveTeachersParams{OrganizationID: prog.OrganizationID, UserIds: *ids})
		if err != nil {
			return nil, err
		}
		known := map[uuid.UUID]bool{}
		for _, id := range ok {
			known[id] = true
		}
		var fields []api.FieldError
		for i, id := range *ids {
			if !known[id] {
				fields = append(fields, web.FieldError("teacherIds."+itoa64(int64(i)), "not_a_teacher",
					"is not an active member of the organization with the teacher role"))
			}
		}
		if len(fields) > 0 {
			return nil, invalid(ctx, fields...)
		}
		for i, id := range *ids {
			if _, err := q.AddProgramTeacher(ctx, db.AddProgramTeacherParams{
				OrganizationID: prog.OrganizationID, ProgramID: prog.ID, UserID: id, Position: int32(i),
			}); err != nil {
				return nil, err
			}
		}
	}
	return q.ListProgramTeachers(ctx, db.ListProgramTeachersParams{OrganizationID: prog.OrganizationID, ProgramID: prog.ID})
}

func (s *Handler) program(ctx context.Context, orgID, id uuid.UUID) (db.Program, error) {
	p, err := s.Q.GetProgram(ctx, db.GetProgramParams{OrganizationID: orgID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return p, notFound(ctx, "There is no such program.")
	}
	return p, err
}

func (s *Handler) staleProgram(ctx context.Context, p db.Program) error {
	now, err := s.program(ctx, p.OrganizationID, p.ID)
	if err != nil {
		return err
	}
	return stale(ctx, now.Version)
}

// programWriteError maps the programs' constraints to answers.
func programWriteError(ctx context.Context, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case "23505":
		return web.Fail(ctx, http.StatusConflict, web.CodeAlreadyExists, "A program with this slug exists in the organization.",
			web.FieldError("slug", "taken", "is taken"))
	case "23503":
		return invalid(ctx, web.FieldError("categoryId", "not_found", "there is no such category in the organization"))
	case "23514":
		return invalid(ctx, web.FieldError("kind", "invalid_value", "the fields do not meet the rules of the program's kind"))
	}
	return err
}

func docStrings(ds []api.DocumentKind) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, string(d))
	}
	return out
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
