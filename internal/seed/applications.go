package seed

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// DemoApplicants are the learners whose applications the demo
// organization's managers review; the password is DemoPassword.
var DemoApplicants = []DemoUser{
	{"applicant1@demo.kabinet.test", "+79000000011", "Ольга", "Смирнова", db.MemberRoleLearner},
	{"applicant2@demo.kabinet.test", "+79000000012", "Иван", "Кузнецов", db.MemberRoleLearner},
	{"applicant3@demo.kabinet.test", "+79000000013", "Екатерина", "Попова", db.MemberRoleLearner},
	{"applicant4@demo.kabinet.test", "+79000000014", "Сергей", "Васильев", db.MemberRoleLearner},
}

// enrollProgram is a program of the demo organization that enrollment's demo
// needs: the catalog seed's program of that slug when there is one, else
// made here (published); an enrolling group is added when it has none.
type enrollProgram struct {
	slug, title string
	kind        db.ProgramKind
	doc         db.CompletionDocument
	docs        []string
	capacity    int32
	autoApprove bool
	price       int64
}

var enrollPrograms = []enrollProgram{
	{"pedagogicheskaya-deyatelnost-fgos", "Педагогическая деятельность в условиях ФГОС", db.ProgramKindQualificationUpgrade,
		db.CompletionDocumentCertificateOfQualification, []string{"passport", "prior_education_diploma"}, 25, false, 590000},
	{"klassnyy-rukovoditel", "Классный руководитель: воспитательная работа", db.ProgramKindCourse, db.CompletionDocumentCertificate, []string{}, 20, false, 450000},
	// Not in the catalog seed: one seat, so that the waiting list shows.
	{"seminar-zapis-na-obuchenie", "Семинар: как устроена запись на обучение", db.ProgramKindSeminar, db.CompletionDocumentNone, []string{}, 1, true, 0},
}

// DemoApplications loads applications in several states into the demo
// organization (run it after Demo): a draft of the demo learner, a
// submitted one, one returned for changes, an approved and a waiting one
// (the seminar has one seat and approves without review), a rejected one.
// Idempotent: an applicant who already applied to a group is left alone.
func DemoApplications(ctx context.Context, pool *pgxpool.Pool, hasher *auth.Hasher) error {
	hash, err := hasher.Hash(ctx, DemoPassword)
	if err != nil {
		return err
	}
	return store.InTx(ctx, pool, func(q *db.Queries) error {
		org, err := q.GetOrganizationBySlug(ctx, DemoOrgSlug)
		if err != nil {
			return fmt.Errorf("demo organization (run seed.Demo first): %w", err)
		}
		groups := map[string]db.StudyGroup{}
		for _, p := range enrollPrograms {
			if groups[p.slug], err = demoGroup(ctx, q, org.ID, p); err != nil {
				return err
			}
		}
		users := map[string]db.User{}
		for _, d := range append([]DemoUser{DemoUsers[4]}, DemoApplicants...) {
			u, err := q.GetUserByEmail(ctx, d.Email)
			if errors.Is(err, pgx.ErrNoRows) {
				u, err = q.CreateUser(ctx, db.CreateUserParams{Email: d.Email, Phone: &d.Phone, FirstName: d.FirstName,
					LastName: d.LastName, PasswordHash: &hash, Locale: "ru"})
			}
			if err != nil {
				return fmt.Errorf("demo applicant %s: %w", d.Email, err)
			}
			if err := q.AddMembership(ctx, db.AddMembershipParams{OrganizationID: org.ID, UserID: u.ID, Role: db.MemberRoleLearner}); err != nil {
				return err
			}
			users[d.Email] = u
		}
		pk, course, seminar := enrollPrograms[0].slug, enrollPrograms[1].slug, enrollPrograms[2].slug
		steps := []struct {
			email, group string
			path         []db.ApplicationStatus
			reason       string
		}{
			{DemoUsers[4].Email, pk, nil, ""},
			{"applicant1@demo.kabinet.test", course, []db.ApplicationStatus{db.ApplicationStatusSubmitted}, ""},
			{"applicant2@demo.kabinet.test", course, []db.ApplicationStatus{db.ApplicationStatusSubmitted, db.ApplicationStatusNeedsChanges},
				"Укажите СНИЛС и загрузите скан паспорта целиком."},
			{"applicant3@demo.kabinet.test", seminar, []db.ApplicationStatus{db.ApplicationStatusSubmitted, db.ApplicationStatusApproved}, ""},
			{"applicant4@demo.kabinet.test", seminar, []db.ApplicationStatus{db.ApplicationStatusSubmitted, db.ApplicationStatusWaitlisted}, ""},
			{"applicant4@demo.kabinet.test", course, []db.ApplicationStatus{db.ApplicationStatusSubmitted, db.ApplicationStatusRejected},
				"Программа рассчитана на бухгалтеров: приложите документ об образовании по специальности."},
		}
		for i, st := range steps {
			if err := demoApplication(ctx, q, users[st.email], groups[st.group], st.path, st.reason, time.Duration(len(steps)-i)*24*time.Hour); err != nil {
				return err
			}
		}
		return nil
	})
}

func demoGroup(ctx context.Context, q *db.Queries, orgID uuid.UUID, p enrollProgram) (db.StudyGroup, error) {
	prog, err := q.GetProgramBySlug(ctx, db.GetProgramBySlugParams{OrganizationID: orgID, Slug: p.slug})
	if errors.Is(err, pgx.ErrNoRows) {
		state := p.kind == db.ProgramKindQualificationUpgrade || p.kind == db.ProgramKindProfessionalRetraining
		prog, err = q.CreateProgram(ctx, db.CreateProgramParams{
			OrganizationID: orgID, Slug: p.slug, Title: p.title, ShortDescription: p.title, Kind: p.kind, CompletionDocument: p.doc,
			AcademicHours: 72, Format: db.StudyFormatOnline, PriceMinor: p.price, Currency: "RUB", Tags: []string{},
			RequiredDocuments: p.docs, RequiresSnils: state, RequiresPriorEducation: state,
		})
		if err == nil {
			prog, err = q.SetProgramStatus(ctx, db.SetProgramStatusParams{OrganizationID: orgID, ID: prog.ID, Version: prog.Version, Status: db.ProgramStatusPublished})
		}
	}
	if err != nil {
		return db.StudyGroup{}, fmt.Errorf("demo program %s: %w", p.slug, err)
	}
	if p.autoApprove {
		if err := q.SetProgramAutoApprove(ctx, db.SetProgramAutoApproveParams{ID: prog.ID, AutoApprove: true}); err != nil {
			return db.StudyGroup{}, err
		}
	}
	groups, err := q.ListProgramGroups(ctx, db.ListProgramGroupsParams{OrganizationID: orgID, ProgramID: prog.ID})
	if err != nil {
		return db.StudyGroup{}, err
	}
	for _, g := range groups {
		if g.Status == db.GroupStatusEnrolling {
			return g, nil
		}
	}
	now := time.Now().UTC()
	opens, closes := now.AddDate(0, 0, -14), now.AddDate(0, 2, 0)
	return q.CreateGroup(ctx, db.CreateGroupParams{
		OrganizationID: orgID, ProgramID: prog.ID, Code: "ENR-DEMO", Title: "Поток " + now.AddDate(0, 3, 0).Format("01.2006"),
		StartsOn: pgtype.Date{Time: now.AddDate(0, 3, 0), Valid: true}, EndsOn: pgtype.Date{Time: now.AddDate(0, 5, 0), Valid: true},
		EnrollmentOpensAt: &opens, EnrollmentClosesAt: &closes, Capacity: p.capacity, Status: db.GroupStatusEnrolling,
	})
}

// demoApplication makes u's application to g walk path (a seat is taken
// for an approval), dated age ago, unless u already applied to g.
func demoApplication(ctx context.Context, q *db.Queries, u db.User, g db.StudyGroup, path []db.ApplicationStatus, reason string, age time.Duration) error {
	n, err := q.CountUserGroupApplications(ctx, db.CountUserGroupApplicationsParams{UserID: u.ID, GroupID: g.ID})
	if err != nil || n > 0 {
		return err
	}
	a, err := q.CreateApplication(ctx, db.CreateApplicationParams{OrganizationID: g.OrganizationID, ProgramID: g.ProgramID, GroupID: g.ID, UserID: u.ID})
	if err != nil {
		return err
	}
	at := time.Now().Add(-age)
	if _, err := q.AddApplicationEvent(ctx, db.AddApplicationEventParams{ApplicationID: a.ID, Event: "created", ActorID: &u.ID,
		ToStatus: db.NullApplicationStatus{ApplicationStatus: db.ApplicationStatusDraft, Valid: true}}); err != nil {
		return err
	}
	prev := a.Status
	for _, st := range path {
		event := map[db.ApplicationStatus]string{
			db.ApplicationStatusSubmitted: "submitted", db.ApplicationStatusNeedsChanges: "changes_requested",
			db.ApplicationStatusApproved: "approved", db.ApplicationStatusWaitlisted: "waitlisted", db.ApplicationStatusRejected: "rejected",
		}[st]
		// The applicant submits; decisions in the demo are the system's.
		var actor *uuid.UUID
		if st == db.ApplicationStatusSubmitted {
			version := "2026-01"
			if err := q.SetApplicationConsent(ctx, db.SetApplicationConsentParams{ID: a.ID, PolicyVersion: &version, At: at}); err != nil {
				return err
			}
			actor = &u.ID
		}
		if st == db.ApplicationStatusApproved {
			if _, err := q.TakeGroupSeat(ctx, db.TakeGroupSeatParams{OrganizationID: g.OrganizationID, ID: g.ID, Now: time.Now()}); err != nil {
				return fmt.Errorf("demo seat: %w", err)
			}
		}
		if a, err = q.SetApplicationStatus(ctx, db.SetApplicationStatusParams{ID: a.ID, Status: st, Now: at}); err != nil {
			return err
		}
		var why *string
		if reason != "" && (st == db.ApplicationStatusNeedsChanges || st == db.ApplicationStatusRejected) {
			why = &reason
		}
		params := db.AddApplicationEventParams{ApplicationID: a.ID, Event: event, Reason: why, ActorID: actor,
			FromStatus: db.NullApplicationStatus{ApplicationStatus: prev, Valid: true},
			ToStatus:   db.NullApplicationStatus{ApplicationStatus: st, Valid: true}}
		if _, err := q.AddApplicationEvent(ctx, params); err != nil {
			return err
		}
		prev = st
	}
	return nil
}
