package assessment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/quiz"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListBankQuestions lists the program's bank, oldest first.
func (s *Handler) ListBankQuestions(ctx context.Context, req api.ListBankQuestionsRequestObject) (api.ListBankQuestionsResponseObject, error) {
	if err := s.staff(ctx, req.OrganizationID, req.ProgramID, read); err != nil {
		return nil, err
	}
	arg := db.ListBankQuestionsParams{ProgramID: req.ProgramID, Tag: req.Params.Tag, Max: int32(web.Limit(req.Params.Limit) + 1)}
	if req.Params.Type != nil {
		arg.Type = new(string(*req.Params.Type))
	}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		arg.AfterAt, arg.AfterID = &at, id
	}
	rows, err := s.Q.ListBankQuestions(ctx, arg)
	if err != nil {
		return nil, err
	}
	page := api.BankQuestionPage{Items: []api.BankQuestion{}}
	if limit := web.Limit(req.Params.Limit); len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		page.NextCursor = new(web.EncodeCursor(last.CreatedAt, last.ID))
	}
	for _, r := range rows {
		q, err := bankQuestion(r)
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, q)
	}
	return api.ListBankQuestions200JSONResponse(page), nil
}

// CreateBankQuestion adds a validated question to the program's bank.
func (s *Handler) CreateBankQuestion(ctx context.Context, req api.CreateBankQuestionRequestObject) (api.CreateBankQuestionResponseObject, error) {
	if err := s.staff(ctx, req.OrganizationID, req.ProgramID, write); err != nil {
		return nil, err
	}
	q, body, err := authored(ctx, req.Body)
	if err != nil {
		return nil, err
	}
	r, err := s.Q.CreateBankQuestion(ctx, db.CreateBankQuestionParams{
		OrganizationID: req.OrganizationID, ProgramID: req.ProgramID, Type: string(q.Type), Tag: q.Tag, Body: body,
	})
	if err != nil {
		return nil, err
	}
	out, err := bankQuestion(r)
	if err != nil {
		return nil, err
	}
	return api.CreateBankQuestion201JSONResponse(out), nil
}

// GetBankQuestion shows one question with its key.
func (s *Handler) GetBankQuestion(ctx context.Context, req api.GetBankQuestionRequestObject) (api.GetBankQuestionResponseObject, error) {
	if err := s.staff(ctx, req.OrganizationID, req.ProgramID, read); err != nil {
		return nil, err
	}
	r, err := s.Q.GetBankQuestion(ctx, db.GetBankQuestionParams{ProgramID: req.ProgramID, ID: req.QuestionID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ctx, "There is no such question in this program's bank.")
	}
	if err != nil {
		return nil, err
	}
	out, err := bankQuestion(r)
	if err != nil {
		return nil, err
	}
	return api.GetBankQuestion200JSONResponse{Body: out, Headers: api.GetBankQuestion200ResponseHeaders{ETag: etag(r.Version)}}, nil
}

// UpdateBankQuestion replaces a question (If-Match required). Attempts keep
// the copy they drew.
func (s *Handler) UpdateBankQuestion(ctx context.Context, req api.UpdateBankQuestionRequestObject) (api.UpdateBankQuestionResponseObject, error) {
	if err := s.staff(ctx, req.OrganizationID, req.ProgramID, write); err != nil {
		return nil, err
	}
	cur, err := s.Q.GetBankQuestion(ctx, db.GetBankQuestionParams{ProgramID: req.ProgramID, ID: req.QuestionID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ctx, "There is no such question in this program's bank.")
	}
	if err != nil {
		return nil, err
	}
	if err := ifMatch(ctx, req.Params.IfMatch, cur.Version); err != nil {
		return nil, err
	}
	q, body, err := authored(ctx, req.Body)
	if err != nil {
		return nil, err
	}
	r, err := s.Q.UpdateBankQuestion(ctx, db.UpdateBankQuestionParams{
		ProgramID: req.ProgramID, ID: req.QuestionID, Version: cur.Version, Type: string(q.Type), Tag: q.Tag, Body: body,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, stale(ctx)
	}
	if err != nil {
		return nil, err
	}
	out, err := bankQuestion(r)
	if err != nil {
		return nil, err
	}
	return api.UpdateBankQuestion200JSONResponse(out), nil
}

// DeleteBankQuestion removes a question from the bank.
func (s *Handler) DeleteBankQuestion(ctx context.Context, req api.DeleteBankQuestionRequestObject) (api.DeleteBankQuestionResponseObject, error) {
	if err := s.staff(ctx, req.OrganizationID, req.ProgramID, write); err != nil {
		return nil, err
	}
	n, err := s.Q.DeleteBankQuestion(ctx, db.DeleteBankQuestionParams{ProgramID: req.ProgramID, ID: req.QuestionID})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, notFound(ctx, "There is no such question in this program's bank.")
	}
	return api.DeleteBankQuestion204Response{}, nil
}

// authored builds and validates the engine's question from the request;
// body is what the bank row stores.
func authored(ctx context.Context, in *api.BankQuestionInput) (quiz.Question, []byte, error) {
	q := quiz.Question{
		ID: "new", Type: quiz.Type(in.Type), Prompt: in.Prompt, Options: quizOptions(in.Options),
		Targets: quizOptions(in.Targets), Key: quizKey(in.Key),
	}
	if in.Points != nil {
		q.Points = *in.Points
	}
	if in.Tag != nil {
		q.Tag = strings.TrimSpace(*in.Tag)
	}
	if in.Scoring != nil {
		q.Scoring = quiz.Scoring(*in.Scoring)
	}
	if in.Explanation != nil {
		q.Explanation = *in.Explanation
	}
	if err := q.Validate(); err != nil {
		return q, nil, fieldProblem(ctx, "", err)
	}
	stored := q
	stored.ID, stored.Type, stored.Tag = "", "", ""
	body, err := json.Marshal(stored)
	return q, body, err
}

// fieldProblem turns the engine's field errors into a 422 naming each field
// as a dotted path under prefix ("options[2].id" → "options.2.id").
func fieldProblem(ctx context.Context, prefix string, err error) error {
	var fes quiz.FieldErrors
	if !errors.As(err, &fes) {
		return err
	}
	fields := make([]api.FieldError, len(fes))
	for i, fe := range fes {
		fields[i] = web.FieldError(prefix+indexes.ReplaceAllString(fe.Field, ".$1"), fe.Code, fe.Message)
	}
	return &web.Error{Problem: web.Invalid(ctx, fields...)}
}

var indexes = regexp.MustCompile(`\[(\d+)\]`)

func bankQuestion(r db.AssessmentQuestion) (api.BankQuestion, error) {
	q, err := questionOf(r)
	if err != nil {
		return api.BankQuestion{}, err
	}
	scoring := q.Scoring
	if scoring == "" {
		scoring = quiz.AllOrNothing
	}
	points := q.Points
	if points == 0 {
		points = 1
	}
	return api.BankQuestion{
		ID: r.ID, ProgramID: r.ProgramID, Type: api.QuestionType(r.Type), Prompt: q.Prompt, Points: points, Tag: r.Tag,
		Options: apiOptions(q.Options), Targets: apiOptions(q.Targets), Key: apiKey(q.Key),
		Scoring: api.BankQuestionScoring(scoring), Explanation: q.Explanation, Version: int(r.Version),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}, nil
}

func etag(v int32) string { return fmt.Sprintf(`"v%d"`, v) }

// ifMatch requires If-Match naming version current: 428 without it, 412
// when it names another.
func ifMatch(ctx context.Context, h *string, current int32) error {
	if h == nil || strings.TrimSpace(*h) == "" {
		return web.Fail(ctx, http.StatusPreconditionRequired, codePreconditionReq, "Send If-Match with the ETag of the version you edited.")
	}
	v := strings.TrimPrefix(strings.TrimSpace(*h), "W/")
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(v, `"v`), `"`))
	if err != nil || !strings.HasPrefix(v, `"v`) || int32(n) != current {
		return stale(ctx)
	}
	return nil
}

func stale(ctx context.Context) error {
	return web.Fail(ctx, http.StatusPreconditionFailed, codePreconditionFailed, "It has changed since; fetch it again and reapply your change.")
}
