package catalog_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

var bg = context.Background()

// newProgram creates a program through the API as the org's manager.
func newProgram(t *testing.T, env *apitest.Env, org apitest.StaffOrg, in client.ProgramCreate) client.Program {
	t.Helper()
	res, err := env.Client.CreateProgramWithResponse(bg, org.ID, in, org.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("create program %s: %d %s", in.Slug, res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

// course is a minimal valid program of kind course.
func course(slug, title string) client.ProgramCreate {
	return client.ProgramCreate{Slug: slug, Title: title, Kind: "course", AcademicHours: 36, Format: "online", PriceMinor: 500000}
}

func etag(v int32) *string { s := `"v` + apitest.Itoa(int64(v)) + `"`; return &s }

func publish(t *testing.T, env *apitest.Env, org apitest.StaffOrg, p client.Program) client.Program {
	t.Helper()
	res, err := env.Client.PublishProgramWithResponse(bg, org.ID, p.ID, nil, org.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("publish: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON200
}

// pngBytes is a small valid PNG of one colour.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			img.Set(x, y, color.RGBA{R: uint8(x), G: 120, B: uint8(y), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func orgSlug(t *testing.T, env *apitest.Env, id uuid.UUID) string {
	t.Helper()
	var slug string
	if err := env.Pool.QueryRow(bg, `SELECT slug FROM organizations WHERE id = $1`, id).Scan(&slug); err != nil {
		t.Fatal(err)
	}
	return slug
}

func ptr[T any](v T) *T { return &v }
