package completion

import (
	"context"
	"strings"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/credential"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// VerifyCompletionDocument is the QR code's target: the public record.
func (s *Handler) VerifyCompletionDocument(ctx context.Context, req api.VerifyCompletionDocumentRequestObject) (api.VerifyCompletionDocumentResponseObject, error) {
	row, err := s.Q.GetCompletionDocumentView(ctx, req.DocumentID)
	if err != nil {
		return nil, found(ctx, err)
	}
	return api.VerifyCompletionDocument200JSONResponse(publicDTO(row.IssuedDocument, row.OrganizationName, row.OrganizationSlug)), nil
}

// FindCompletionDocument looks a document up by organization and number,
// each look-up charged to the client's address.
func (s *Handler) FindCompletionDocument(ctx context.Context, req api.FindCompletionDocumentRequestObject) (api.FindCompletionDocumentResponseObject, error) {
	if err := s.LimitAttempts(ctx, web.ByIP(ctx, "completion:lookup:ip", s.Cfg.Completion.LookupLimit)); err != nil {
		return nil, err
	}
	row, err := s.Q.FindCompletionDocumentByNumber(ctx, db.FindCompletionDocumentByNumberParams{
		Slug: strings.ToLower(strings.TrimSpace(req.Params.Organization)), RegistrationNumber: strings.TrimSpace(req.Params.Number),
	})
	if err != nil {
		return nil, found(ctx, err)
	}
	return api.FindCompletionDocument200JSONResponse(publicDTO(row.IssuedDocument, row.OrganizationName, row.OrganizationSlug)), nil
}

// GetCredentialStatusList signs the current revocation list.
func (s *Handler) GetCredentialStatusList(ctx context.Context, req api.GetCredentialStatusListRequestObject) (api.GetCredentialStatusListResponseObject, error) {
	o, err := s.Q.GetOrganization(ctx, req.OrganizationID)
	if err != nil {
		return nil, found(ctx, err)
	}
	from := int64(req.List) * credential.MinStatusListBits
	idx, err := s.Q.RevokedStatusIndexes(ctx, db.RevokedStatusIndexesParams{
		OrganizationID: o.ID, FromIndex: from, ToIndex: from + credential.MinStatusListBits,
	})
	if err != nil {
		return nil, err
	}
	bits := make([]int, len(idx))
	for i, v := range idx {
		bits[i] = int(v - from)
	}
	list, err := credential.NewStatusList(credential.MinStatusListBits, bits...)
	if err != nil {
		return nil, err
	}
	c := credential.NewStatusListCredential(s.iss.statusListURL(o.ID, req.List), s.iss.issuerID(o), list, s.Now())
	jwt, err := s.iss.signer.SignStatusList(c)
	if err != nil {
		return nil, err
	}
	cache := "public, max-age=300"
	return api.GetCredentialStatusList200ApplicationVcJwtResponse{
		Body: strings.NewReader(jwt), ContentLength: int64(len(jwt)),
		Headers: api.GetCredentialStatusList200ResponseHeaders{CacheControl: &cache},
	}, nil
}
