package completion

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/credential"
	"github.com/kabinet-edu/kabinet/internal/docnumber"
	"github.com/kabinet-edu/kabinet/internal/learning"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/pdf"
	"github.com/kabinet-edu/kabinet/internal/progress"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// Issuance refusals. Callers answer them as 409 (staff) or finish quietly
// (the completion check).
var (
	// ErrAlreadyIssued: the learner holds a valid document for the program.
	ErrAlreadyIssued = errors.New("completion: a valid document exists")
	// ErrNotEligible: the application is not approved, its group has not
	// started, or its program issues no document.
	ErrNotEligible = errors.New("completion: the application cannot receive a document")
	// ErrNotValid: a revoked document cannot be revoked or reissued.
	ErrNotValid = errors.New("completion: the document is revoked")
)

// NotMetError says which requirements are missing.
type NotMetError struct{ Verdict progress.Verdict }

func (e *NotMetError) Error() string { return "completion: requirements not met" }

// statusCounter is the docnumber kind whose sequence hands out the
// credentials' places in the organization's status lists.
const statusCounter = "credential_status"

// Issuer issues completion documents. It is shared by the staff handlers and
// the completion-check worker.
type Issuer struct {
	pool   *pgxpool.Pool
	blobs  *blob.Store
	kit    *pdf.Kit
	signer *credential.Signer
	pub    *notifications.Publisher
	cfg    config.Config
	log    *slog.Logger
	now    func() time.Time
}

// NewIssuer builds an issuer over blobs (the PDFs) with pub (the learner's
// notice) and signer (the credentials).
func NewIssuer(cfg config.Config, pool *pgxpool.Pool, blobs *blob.Store, pub *notifications.Publisher, signer *credential.Signer, log *slog.Logger) (*Issuer, error) {
	kit, err := pdf.New()
	if err != nil {
		return nil, err
	}
	return &Issuer{pool: pool, blobs: blobs, kit: kit, signer: signer, pub: pub, cfg: cfg, log: log, now: time.Now}, nil
}

// Signer is the credential signer (its key is in the JWKS).
func (iss *Issuer) Signer() *credential.Signer { return iss.signer }

// Request is one issuance.
type Request struct {
	// ApplicationID names the learner, program and group.
	ApplicationID uuid.UUID
	// OrganizationID, when set, must be the application's organization.
	OrganizationID uuid.UUID
	// ActorID is the staff member issuing (nil: the completion check).
	ActorID *uuid.UUID
	// OverrideReason issues although the requirements are not met.
	OverrideReason *string
	// Reissue replaces (and revokes) this valid document; the requirements
	// are not checked again.
	Reissue *uuid.UUID
	// Reason is the reissue's reason, kept on the revoked document.
	Reason string
	// Audit, when set, records the issuance in the organization's audit
	// log inside the transaction.
	Audit func(q *db.Queries, d db.IssuedDocument) error
}

// Issue issues the document of r in one transaction and returns it.
func (iss *Issuer) Issue(ctx context.Context, r Request) (db.IssuedDocument, error) {
	var out db.IssuedDocument
	var stored []string // the PDFs' keys once uploaded: deleted again if the transaction fails
	err := store.InTxJobs(ctx, iss.pool, func(q *db.Queries, tx pgx.Tx) error {
		src, err := q.GetCompletionSource(ctx, r.ApplicationID)
		if err != nil {
			return store.NotFound(err)
		}
		if r.OrganizationID != uuid.Nil && src.Application.OrganizationID != r.OrganizationID {
			return store.NotFound(pgx.ErrNoRows)
		}
		a := src.Application
		if err := q.LockCompletion(ctx, db.LockCompletionParams{UserID: a.UserID, ProgramID: a.ProgramID}); err != nil {
			return err
		}
		now := iss.now()
		var old *db.IssuedDocument
		if r.Reissue != nil {
			d, err := q.RevokeCompletionDocument(ctx, db.RevokeCompletionDocumentParams{
				ID: *r.Reissue, OrganizationID: a.OrganizationID, RevokedAt: &now, RevokedBy: r.ActorID, Reason: &r.Reason,
			})
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotValid
			}
			if err != nil {
				return err
			}
			old = &d
		} else {
			if err := iss.check(ctx, q, src, r); err != nil {
				return err
			}
		}
		d, err := iss.create(ctx, tx, src, r, old, now, &stored)
		if err != nil {
			return err
		}
		if old != nil {
			if err := markRevoked(ctx, tx, *old); err != nil {
				return err
			}
		}
		if r.Audit != nil {
			if err := r.Audit(q, d); err != nil {
				return err
			}
		}
		if err := iss.notify(ctx, tx, d); err != nil {
			return err
		}
		out = d
		return nil
	})
	if err != nil {
		for _, k := range stored {
			iss.dropBlob(k)
		}
	}
	return out, err
}

// check applies the rules of a first issuance.
func (iss *Issuer) check(ctx context.Context, q *db.Queries, src db.GetCompletionSourceRow, r Request) error {
	a, g, p := src.Application, src.StudyGroup, src.Program
	_, err := q.GetValidCompletionDocument(ctx, db.GetValidCompletionDocumentParams{UserID: a.UserID, ProgramID: a.ProgramID})
	if err == nil {
		return ErrAlreadyIssued
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if a.Status != db.ApplicationStatusApproved || p.CompletionDocument == db.CompletionDocumentNone ||
		(g.Status != db.GroupStatusRunning && g.Status != db.GroupStatusFinished) {
		return ErrNotEligible
	}
	v, err := learning.Verdict(ctx, q, a.UserID, a.ProgramID)
	if err != nil {
		return err
	}
	if !v.Met && r.OverrideReason == nil {
		return &NotMetError{Verdict: v}
	}
	return nil
}

// create numbers, renders, signs and stores the document, and puts a copy
// into the learner's archive. The PDFs' blob keys go onto *stored as soon
// as they are uploaded.
func (iss *Issuer) create(ctx context.Context, tx pgx.Tx, src db.GetCompletionSourceRow, r Request, old *db.IssuedDocument, now time.Time, stored *[]string) (db.IssuedDocument, error) {
	q := db.New(tx)
	a, p, g, o := src.Application, src.Program, src.StudyGroup, src.Organization
	settings, _, err := loadSettings(ctx, q, o.ID)
	if err != nil {
		return db.IssuedDocument{}, err
	}
	ru := ruleOf(settings, p.CompletionDocument)
	pattern, err := ru.parse()
	if err != nil {
		return db.IssuedDocument{}, fmt.Errorf("completion: %s pattern: %w", p.CompletionDocument, err)
	}
	date := issueDate(now)
	num, err := docnumber.Next(ctx, q, o.ID, string(p.CompletionDocument), pattern, date, settings.Prefix)
	if err != nil {
		return db.IssuedDocument{}, err
	}
	pos, err := q.NextDocumentNumber(ctx, db.NextDocumentNumberParams{OrganizationID: o.ID, Kind: statusCounter, Period: 0})
	if err != nil {
		return db.IssuedDocument{}, err
	}
	index := pos - 1
	id := uuid.New()
	from, to := dateOf(g.StartsOn), dateOf(g.EndsOn)
	holder := fullName(a.LastName, a.FirstName, a.Patronymic)
	doc, err := iss.kit.Completion(pdf.Completion{
		Kind: pdfKind(p.CompletionDocument), HolderName: holder, Program: p.Title, Hours: int(p.AcademicHours),
		From: from, To: to, RegistrationNumber: num.Text, IssueDate: date, City: settings.City,
		Organization: orgName(o), Licence: licenceLine(o),
		SignatoryTitle: settings.SignatoryTitle, SignatoryName: settings.SignatoryName,
		VerifyURL: iss.verifyURL(id),
	})
	if err != nil {
		return db.IssuedDocument{}, err
	}
	listURL := iss.statusListURL(o.ID, int(index/credential.MinStatusListBits))
	entry := credential.NewStatusEntry(listURL, int(index%credential.MinStatusListBits))
	vc, err := credential.Build(credential.Award{
		ID: id, IssuerID: iss.issuerID(o), IssuerName: orgName(o), IssuerURL: o.Website, HolderName: holder,
		AchievementID: "urn:uuid:" + p.ID.String(), AchievementType: achievementType(p.CompletionDocument),
		Title: kindTitle(p.CompletionDocument), Program: p.Title, Number: num.Text, Hours: int(p.AcademicHours),
		StartedOn: from, FinishedOn: to, IssuedAt: now, Status: &entry,
	})
	if err != nil {
		return db.IssuedDocument{}, err
	}
	jwt, err := iss.signer.Sign(vc)
	if err != nil {
		return db.IssuedDocument{}, err
	}
	obj, err := iss.blobs.Upload(ctx, bytes.NewReader(doc), blob.UploadOptions{
		Prefix: "completion/" + o.ID.String(), MaxSize: 50 << 20, Allowed: []string{blob.TypePDF},
	})
	if err != nil {
		return db.IssuedDocument{}, fmt.Errorf("completion: store the PDF: %w", err)
	}
	*stored = append(*stored, obj.Key)
	params := db.InsertCompletionDocumentParams{
		ID: id, OrganizationID: o.ID, ProgramID: p.ID, GroupID: g.ID, ApplicationID: a.ID, UserID: a.UserID,
		Kind: p.CompletionDocument, RegistrationNumber: num.Text, Seq: num.Seq, Period: int32(num.Period),
		Series: ru.Series, Number: fmt.Sprintf("%06d", num.Seq), IssuedAt: now,
		IssuedOn: pgtype.Date{Time: date, Valid: true}, ProgramTitle: p.Title, ProgramKind: p.Kind, Hours: p.AcademicHours,
		StudiedFrom: g.StartsOn, StudiedTo: g.EndsOn, LastName: a.LastName, FirstName: a.FirstName,
		Patronymic: a.Patronymic, BirthDate: a.BirthDate, Sex: a.Sex, Citizenship: a.Citizenship, Snils: a.Snils,
		EducationLevel: a.EducationLevel, DiplomaSeries: a.DiplomaSeries, DiplomaNumber: a.DiplomaNumber,
		DiplomaSurname: a.DiplomaSurname, IssuedBy: r.ActorID, OverrideReason: r.OverrideReason,
		StatusIndex: index, PdfKey: obj.Key, PdfSha256: obj.SHA256, PdfSize: obj.Size, CredentialJwt: jwt,
	}
	if old != nil {
		params.ReissueOf = &old.ID
	}
	d, err := q.InsertCompletionDocument(ctx, params)
	if err != nil {
		if c, ok := store.UniqueViolation(err); ok && c == "issued_documents_one_valid" {
			return db.IssuedDocument{}, ErrAlreadyIssued
		}
		return db.IssuedDocument{}, err
	}
	return d, iss.archive(ctx, tx, d, doc, orgName(o), stored)
}

// dropBlob deletes a PDF whose document was not committed.
func (iss *Issuer) dropBlob(key string) {
	if err := iss.blobs.Delete(context.Background(), key); err != nil {
		iss.log.Warn("completion: delete an orphan PDF", "key", key, "err", err)
	}
}

func (iss *Issuer) notify(ctx context.Context, tx pgx.Tx, d db.IssuedDocument) error {
	title := kindTitle(d.Kind)
	return iss.pub.Publish(ctx, tx, notifications.Event{
		UserID: d.UserID, OrganizationID: &d.OrganizationID, Category: notifications.CategoryDocument,
		Title: notifications.Text{RU: title + " выдан(о)", EN: "Your completion document is issued"},
		Body: notifications.Text{
			RU: fmt.Sprintf("%s № %s по программе «%s». Скачать PDF и электронную версию можно в личном кабинете.", title, d.RegistrationNumber, d.ProgramTitle),
			EN: fmt.Sprintf("Document No. %s for «%s». Download the PDF and the verifiable credential in your account.", d.RegistrationNumber, d.ProgramTitle),
		},
		Link: &notifications.Link{Kind: "completion_document", ID: d.ID.String(), Path: "/documents/" + d.ID.String()},
	})
}

// verifyURL is the QR code's target.
func (iss *Issuer) verifyURL(id uuid.UUID) string {
	return strings.ReplaceAll(iss.cfg.Completion.VerifyURL, "{documentId}", id.String())
}

func (iss *Issuer) base() string { return strings.TrimRight(iss.cfg.PublicURL, "/") }

// issuerID identifies the organization as an issuer: its public catalog card.
func (iss *Issuer) issuerID(o db.Organization) string {
	return iss.base() + "/api/v1/catalog/organizations/" + o.Slug
}

func (iss *Issuer) statusListURL(orgID uuid.UUID, list int) string {
	return fmt.Sprintf("%s/api/v1/public/credential-status/%s/%d", iss.base(), orgID, list)
}

func dateOf(d pgtype.Date) *time.Time {
	if !d.Valid {
		return nil
	}
	t := d.Time
	return &t
}
