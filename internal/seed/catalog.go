package seed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/catalog"
	"github.com/kabinet-edu/kabinet/internal/markdown"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// Catalog gives the demo organization (run Demo first) a realistic catalog:
// requisites and a licence, categories, programs of every kind with covers,
// and groups in the past, running, enrolling and planned. It is idempotent:
// what exists (by slug, by code) is left as it is, so a demo that was edited
// by hand keeps its edits.
func Catalog(ctx context.Context, pool *pgxpool.Pool, blobs *blob.Store, now time.Time) error {
	q := db.New(pool)
	org, err := q.GetOrganizationBySlug(ctx, DemoOrgSlug)
	if err != nil {
		return fmt.Errorf("demo organization: %w", err)
	}
	if org.Inn == "" {
		if err := demoCard(ctx, q, org); err != nil {
			return err
		}
	}
	teacher, err := q.GetUserByEmail(ctx, DemoUsers[3].Email)
	if err != nil {
		return err
	}
	cats := map[string]db.ProgramCategory{}
	existing, err := q.ListCategories(ctx, org.ID)
	if err != nil {
		return err
	}
	for _, c := range existing {
		cats[c.Slug] = c
	}
	colors := map[string][3]uint8{}
	for i, c := range demoCategories {
		colors[c.Slug] = c.Color
		if _, ok := cats[c.Slug]; ok {
			continue
		}
		in := db.CreateCategoryParams{OrganizationID: org.ID, Slug: c.Slug, Title: c.Title, Position: int32(i)}
		if c.Parent != "" {
			parent := cats[c.Parent].ID
			in.ParentID = &parent
		}
		if cats[c.Slug], err = q.CreateCategory(ctx, in); err != nil {
			return fmt.Errorf("demo category %s: %w", c.Slug, err)
		}
	}
	md := markdown.New()
	for i, p := range demoPrograms {
		if err := demoProgramIn(ctx, pool, blobs, md, org, cats[p.Category], colors[p.Category], teacher.ID, p, i, now); err != nil {
			return fmt.Errorf("demo program %s: %w", p.Slug, err)
		}
	}
	return nil
}

func demoCard(ctx context.Context, q *db.Queries, org db.Organization) error {
	md := "Учебный центр **«Экстерн»** — дополнительное профессиональное образование с 2010 года.\n\n" +
		"- повышение квалификации и профессиональная переподготовка педагогов;\n- охрана труда и первая помощь;\n- бухгалтерия и 1С."
	html, err := markdown.New().Render(md)
	if err != nil {
		return err
	}
	_, err = q.UpdateOrganizationCard(ctx, db.UpdateOrganizationCardParams{
		ID: org.ID, Version: org.Version, Name: org.Name, ShortName: "Экстерн (демо)", DescriptionMd: md, DescriptionHtml: html,
		ContactEmail: "info@demo.kabinet.test", ContactPhone: "+7 495 000-00-00", Website: "https://demo.kabinet.test",
		Address: "г. Москва, ул. Вавилова, д. 19", LegalName: "ООО «Учебный центр «Экстерн» (демо)", Inn: "7707083893",
		Kpp: "773601001", Ogrn: "1027700132195", LegalAddress: "117997, г. Москва, ул. Вавилова, д. 19", BankName: "ПАО Сбербанк",
		Bik: "044525225", SettlementAccount: "40702810938000000001", CorrespondentAccount: "30101810400000000225",
		LicenceNumber: "Л035-01298-77/00180715", LicenceDate: pgtype.Date{Time: time.Date(2021, 3, 15, 0, 0, 0, 0, time.UTC), Valid: true},
		LicenceIssuer: "Департамент образования и науки города Москвы",
	})
	return err
}

// demoProgramIn creates one program (unless its slug exists), its cover and
// its groups, in one transaction; the cover's blob is removed again when
// the transaction fails.
func demoProgramIn(ctx context.Context, pool *pgxpool.Pool, blobs *blob.Store, md *markdown.Renderer, org db.Organization,
	cat db.ProgramCategory, rgb [3]uint8, teacherID uuid.UUID, p demoProgram, i int, now time.Time) error {
	q := db.New(pool)
	if _, err := q.GetProgramBySlug(ctx, db.GetProgramBySlugParams{OrganizationID: org.ID, Slug: p.Slug}); err == nil {
		return nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	obj, err := blobs.Upload(ctx, bytes.NewReader(coverPNG(rgb, i)), blob.UploadOptions{
		Prefix: "covers/" + org.ID.String(), MaxSize: 1 << 20, Allowed: blob.ImageTypes()})
	if err != nil {
		return err
	}
	d := catalog.DefaultsFor(p.Kind)
	desc := fmt.Sprintf("## О программе\n%s\n\n## Для кого\nДля специалистов, которым нужна программа «%s».\n\n"+
		"## Итоговый документ\nПо окончании — %s.", p.Short, p.Title, documentName(d.CompletionDocument))
	html, err := md.Render(desc)
	if err != nil {
		return err
	}
	err = store.InTx(ctx, pool, func(q *db.Queries) error {
		if _, err := q.CreateCatalogImage(ctx, db.CreateCatalogImageParams{Key: obj.Key, OrganizationID: org.ID, ContentType: obj.ContentType,
			SizeBytes: obj.Size, Sha256: obj.SHA256, FileName: p.Slug + ".png"}); err != nil {
			return err
		}
		prog, err := q.CreateProgram(ctx, db.CreateProgramParams{
			OrganizationID: org.ID, CategoryID: &cat.ID, Slug: p.Slug, Title: p.Title, ShortDescription: p.Short,
			DescriptionMd: desc, DescriptionHtml: html, Kind: p.Kind, CompletionDocument: d.CompletionDocument,
			AcademicHours: p.Hours, Format: p.Format, PriceMinor: p.PriceRub * 100, Currency: "RUB", Tags: p.Tags,
			CoverKey: &obj.Key, RequiredDocuments: d.RequiredDocuments, RequiresSnils: d.RequiresSNILS,
			RequiresPriorEducation: d.RequiresPriorEducation,
		})
		if err != nil {
			return err
		}
		if _, err := q.AddProgramTeacher(ctx, db.AddProgramTeacherParams{OrganizationID: org.ID, ProgramID: prog.ID, UserID: teacherID}); err != nil {
			return err
		}
		if !p.Draft {
			if prog, err = q.SetProgramStatus(ctx, db.SetProgramStatusParams{OrganizationID: org.ID, ID: prog.ID, Version: prog.Version,
				Status: db.ProgramStatusPublished}); err != nil {
				return err
			}
		}
		return demoGroups(ctx, q, prog, i, now)
	})
	if err != nil {
		_ = blobs.Delete(context.WithoutCancel(ctx), obj.Key)
	}
	return err
}

// demoGroups gives a program a finished, a running, an enrolling and a
// planned group, shifted by the program's index so that starts spread.
func demoGroups(ctx context.Context, q *db.Queries, prog db.Program, i int, now time.Time) error {
	today := now.UTC().Truncate(24 * time.Hour)
	weeks := func(n int) time.Time { return today.AddDate(0, 0, 7*n+i%7) }
	length := max(int(prog.AcademicHours)/8, 1) // about a working day of study per 8 hours
	type g struct {
		code   string
		start  time.Time
		status db.GroupStatus
		open   bool
	}
	groups := []g{{"arhiv", weeks(-20), db.GroupStatusFinished, false}, {"tekushchiy", weeks(-1), db.GroupStatusRunning, false},
		{"nabor", weeks(3), db.GroupStatusEnrolling, true}, {"plan", weeks(12), db.GroupStatusPlanned, false}}
	if prog.Kind == db.ProgramKindWebinar || prog.Kind == db.ProgramKindSeminar {
		groups = groups[2:]
	}
	for n, gr := range groups {
		in := db.CreateGroupParams{
			OrganizationID: prog.OrganizationID, ProgramID: prog.ID, Code: fmt.Sprintf("%s-%d", gr.code, n+1),
			Title: "Поток " + gr.start.Format("02.01.2006"), StartsOn: pgtype.Date{Time: gr.start, Valid: true},
			EndsOn: pgtype.Date{Time: gr.start.AddDate(0, 0, length), Valid: true}, Capacity: int32(20 + 5*(i%3)),
			ScheduleNotes: "Занятия онлайн по вторникам и четвергам, 18:00–20:00 МСК.", Status: gr.status,
		}
		if gr.open {
			opens, closes := today.AddDate(0, 0, -14), gr.start.Add(-time.Hour)
			in.EnrollmentOpensAt, in.EnrollmentClosesAt = &opens, &closes
		}
		if _, err := q.CreateGroup(ctx, in); err != nil {
			return err
		}
	}
	return nil
}

func documentName(d db.CompletionDocument) string {
	switch d {
	case db.CompletionDocumentCertificateOfQualification:
		return "удостоверение о повышении квалификации"
	case db.CompletionDocumentDiploma:
		return "диплом о профессиональной переподготовке"
	case db.CompletionDocumentCertificate:
		return "сертификат"
	}
	return "без документа"
}

// coverPNG draws a 640×360 cover: the category's colour with diagonal
// stripes whose phase depends on the program, so covers differ.
func coverPNG(rgb [3]uint8, i int) []byte {
	const w, h = 640, 360
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	base := color.RGBA{rgb[0], rgb[1], rgb[2], 255}
	light := color.RGBA{uint8(min(int(rgb[0])+40, 255)), uint8(min(int(rgb[1])+40, 255)), uint8(min(int(rgb[2])+40, 255)), 255}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := base
			if ((x+y+i*17)/40)%2 == 0 {
				c = light
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // writing to memory cannot fail
	return b.Bytes()
}
