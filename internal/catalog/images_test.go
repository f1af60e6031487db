package catalog_test

import (
	"bytes"
	"crypto/rand"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

func uploadCover(t *testing.T, env *apitest.Env, org apitest.StaffOrg, p client.Program, body []byte) *client.UploadProgramCoverResponse {
	t.Helper()
	res, err := env.Client.UploadProgramCoverWithBodyWithResponse(bg, org.ID, p.ID, &client.UploadProgramCoverParams{IfMatch: etag(p.Version)},
		"image/png", bytes.NewReader(body), org.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestCoverUploadDownloadRangeAndRefusals(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Blob.ImageMaxBytes = 64 << 10 })
	org := apitest.NewStaffOrg(t, env, "covers")
	slug := orgSlug(t, env, org.ID)
	p := newProgram(t, env, org, course("cover", "Курс с обложкой"))

	// A Windows executable named and typed as a PNG is refused by content.
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
	res := uploadCover(t, env, org, p, exe)
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 415, "unsupported_media_type")
	var audited int
	if err := env.Pool.QueryRow(bg, `SELECT count(*) FROM audit_events WHERE event = 'executable_upload_refused' AND organization_id = $1`, org.ID).Scan(&audited); err != nil || audited != 1 {
		t.Fatalf("executable refusal audited %d times (%v)", audited, err)
	}
	// Over the limit: 413, nothing stored.
	res = uploadCover(t, env, org, p, noisePNG(t, 300, 300))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 413, "payload_too_large")
	if n := apitest.CountRows(t, env, "catalog_images"); n != 0 {
		t.Fatalf("%d images stored by refused uploads", n)
	}
	// Without If-Match: 428.
	img := pngBytes(t, 32, 24)
	nomatch, _ := env.Client.UploadProgramCoverWithBodyWithResponse(bg, org.ID, p.ID, nil, "image/png", bytes.NewReader(img), org.As("manager"))
	apitest.WantProblem(t, nomatch.HTTPResponse, nomatch.Body, 428, "precondition_required")

	res = uploadCover(t, env, org, p, img)
	if res.JSON200 == nil || res.JSON200.CoverURL == nil {
		t.Fatalf("upload: %d %s", res.StatusCode(), res.Body)
	}
	p = *res.JSON200

	// Drafts' covers are not public; staff see them.
	pub, _ := env.Client.GetCatalogProgramCoverWithResponse(bg, slug, p.Slug, nil)
	apitest.WantProblem(t, pub.HTTPResponse, pub.Body, 404, "not_found")
	staff, _ := env.Client.GetProgramCoverWithResponse(bg, org.ID, p.ID, nil, org.As("teacher"))
	if staff.StatusCode() != 200 || !bytes.Equal(staff.Body, img) || staff.HTTPResponse.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("staff cover: %d %q", staff.StatusCode(), staff.HTTPResponse.Header)
	}
	p = publish(t, env, org, p)

	full, _ := env.Client.GetCatalogProgramCoverWithResponse(bg, slug, p.Slug, nil)
	h := full.HTTPResponse.Header
	if full.StatusCode() != 200 || !bytes.Equal(full.Body, img) || h.Get("Accept-Ranges") != "bytes" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "inline") || !strings.Contains(h.Get("Content-Disposition"), "cover.png") {
		t.Fatalf("cover: %d %v", full.StatusCode(), h)
	}
	tag := h.Get("ETag")
	part, _ := env.Client.GetCatalogProgramCoverWithResponse(bg, slug, p.Slug, &client.GetCatalogProgramCoverParams{Range: ptr("bytes=0-9")})
	if part.StatusCode() != 206 || !bytes.Equal(part.Body, img[:10]) || part.HTTPResponse.Header.Get("Content-Range") != "bytes 0-9/"+apitest.Itoa(int64(len(img))) {
		t.Fatalf("range: %d %v", part.StatusCode(), part.HTTPResponse.Header)
	}
	tail, _ := env.Client.GetCatalogProgramCoverWithResponse(bg, slug, p.Slug, &client.GetCatalogProgramCoverParams{Range: ptr("bytes=-5")})
	if tail.StatusCode() != 206 || !bytes.Equal(tail.Body, img[len(img)-5:]) {
		t.Fatalf("suffix range: %d", tail.StatusCode())
	}
	past, _ := env.Client.GetCatalogProgramCoverWithResponse(bg, slug, p.Slug, &client.GetCatalogProgramCoverParams{Range: ptr("bytes=999999-")})
	if past.StatusCode() != 416 {
		t.Fatalf("range past the end: %d", past.StatusCode())
	}
	nm, _ := env.Client.GetCatalogProgramCoverWithResponse(bg, slug, p.Slug, &client.GetCatalogProgramCoverParams{IfNoneMatch: &tag})
	if nm.StatusCode() != 304 {
		t.Fatalf("If-None-Match: %d", nm.StatusCode())
	}

	// Replacing the cover deletes the old image's row.
	res = uploadCover(t, env, org, p, pngBytes(t, 16, 16))
	if res.JSON200 == nil {
		t.Fatalf("replace: %d %s", res.StatusCode(), res.Body)
	}
	if n := apitest.CountRows(t, env, "catalog_images"); n != 1 {
		t.Fatalf("%d image rows after a replacement, want 1", n)
	}
}

// TestCoverThroughS3Config: KABINET_BLOB_URL pointing at an S3 endpoint
// (gofakes3) stores and serves covers there.
//
// Not parallel: the AWS SDK reads its credentials from the environment.
func TestCoverThroughS3Config(t *testing.T) {
	backend := s3mem.New()
	s3 := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(s3.Close)
	if err := backend.CreateBucket("kabinet"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	env := apitest.New(t, func(c *config.Config) {
		c.Blob.URL = "s3://kabinet?region=us-east-1&endpoint=" + s3.URL + "&use_path_style=true&disable_https=true"
	})
	org := apitest.NewStaffOrg(t, env, "s3")
	p := newProgram(t, env, org, course("s3-cover", "Курс в облаке"))
	img := pngBytes(t, 20, 20)
	res := uploadCover(t, env, org, p, img)
	if res.JSON200 == nil {
		t.Fatalf("upload: %d %s", res.StatusCode(), res.Body)
	}
	objs, err := backend.ListBucket("kabinet", nil, gofakes3.ListBucketPage{})
	if err != nil || len(objs.Contents) != 1 || !strings.HasPrefix(objs.Contents[0].Key, "covers/"+org.ID.String()+"/") {
		t.Fatalf("bucket holds %+v (%v)", objs, err)
	}
	got, _ := env.Client.GetProgramCoverWithResponse(bg, org.ID, p.ID, nil, org.As("manager"))
	if got.StatusCode() != 200 || !bytes.Equal(got.Body, img) {
		t.Fatalf("download from S3: %d", got.StatusCode())
	}
}

func TestLogoAndProfile(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := apitest.NewStaffOrg(t, env, "profile")
	slug := orgSlug(t, env, org.ID)
	get, _ := env.Client.GetOrganizationProfileWithResponse(bg, org.ID, nil, org.As("teacher"))
	if get.JSON200 == nil {
		t.Fatalf("profile: %d %s", get.StatusCode(), get.Body)
	}
	v := get.JSON200.Version
	l, _ := env.Client.GetOrganizationProfileWithResponse(bg, org.ID, nil, org.As("learner"))
	apitest.WantProblem(t, l.HTTPResponse, l.Body, 403, "forbidden")

	// Checksums name the field; nothing is written.
	bad := client.OrganizationProfileUpdate{Requisites: &client.OrganizationRequisites{
		LegalName: "ООО «Тест»", Inn: "7707083894", Kpp: "773601001", Ogrn: "1027700132196", Bik: "044525225",
		SettlementAccount: "40702810938000000002", CorrespondentAccount: "30101810400000000225"}}
	res, _ := env.Client.UpdateOrganizationProfileWithResponse(bg, org.ID, &client.UpdateOrganizationProfileParams{IfMatch: etag(v)}, bad, org.As("admin"))
	p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "requisites.inn:invalid_checksum", "requisites.ogrn:invalid_checksum", "requisites.settlementAccount:invalid_checksum") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	good := client.OrganizationProfileUpdate{ShortName: ptr("Профиль"), DescriptionMd: ptr("**Лучший** центр"), Website: ptr("https://example.org"),
		Requisites: &client.OrganizationRequisites{LegalName: "ПАО Сбербанк", Inn: "7707 083 893", Kpp: "773601001", Ogrn: "1027700132195",
			Bik: "044525225", SettlementAccount: "40702810938000000001", CorrespondentAccount: "30101810400000000225"},
		Licence: &client.OrganizationLicence{Number: "Л035-01298-77/00180715", Issuer: "Департамент образования"}}
	res, _ = env.Client.UpdateOrganizationProfileWithResponse(bg, org.ID, nil, good, org.As("admin"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 428, "precondition_required")
	mgr, _ := env.Client.UpdateOrganizationProfileWithResponse(bg, org.ID, &client.UpdateOrganizationProfileParams{IfMatch: etag(v)}, good, org.As("manager"))
	apitest.WantProblem(t, mgr.HTTPResponse, mgr.Body, 403, "forbidden")
	res, _ = env.Client.UpdateOrganizationProfileWithResponse(bg, org.ID, &client.UpdateOrganizationProfileParams{IfMatch: etag(v)}, good, org.As("admin"))
	if res.JSON200 == nil || res.JSON200.Requisites.Inn != "7707083893" || !strings.Contains(res.JSON200.DescriptionHTML, "<strong>Лучший</strong>") {
		t.Fatalf("update: %d %s", res.StatusCode(), res.Body)
	}
	res, _ = env.Client.UpdateOrganizationProfileWithResponse(bg, org.ID, &client.UpdateOrganizationProfileParams{IfMatch: etag(v)}, good, org.As("admin"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 412, "precondition_failed")

	// Logo: upload, public download with 304.
	logo := pngBytes(t, 10, 10)
	up, _ := env.Client.UploadOrganizationLogoWithBodyWithResponse(bg, org.ID, &client.UploadOrganizationLogoParams{IfMatch: etag(v + 1)},
		"application/octet-stream", bytes.NewReader(logo), org.As("admin"))
	if up.JSON200 == nil || up.JSON200.LogoURL == nil {
		t.Fatalf("logo: %d %s", up.StatusCode(), up.Body)
	}
	dl, _ := env.Client.GetCatalogOrganizationLogoWithResponse(bg, slug, nil)
	if dl.StatusCode() != 200 || !bytes.Equal(dl.Body, logo) {
		t.Fatalf("logo download: %d", dl.StatusCode())
	}
	pub, _ := env.Client.GetCatalogOrganizationWithResponse(bg, slug, nil)
	tag := pub.HTTPResponse.Header.Get("ETag")
	if pub.JSON200 == nil || pub.JSON200.Inn != "7707083893" || pub.JSON200.LogoURL == nil {
		t.Fatalf("public page: %s", pub.Body)
	}
	pub2, _ := env.Client.GetCatalogOrganizationWithResponse(bg, slug, &client.GetCatalogOrganizationParams{IfNoneMatch: &tag})
	if pub2.StatusCode() != 304 {
		t.Fatalf("If-None-Match: %d", pub2.StatusCode())
	}
	// A text file is not an image.
	txt, _ := env.Client.UploadOrganizationLogoWithBodyWithResponse(bg, org.ID, &client.UploadOrganizationLogoParams{IfMatch: etag(v + 2)},
		"image/png", strings.NewReader("just text, not a picture"), org.As("admin"))
	apitest.WantProblem(t, txt.HTTPResponse, txt.Body, 415, "unsupported_media_type")
}

// noisePNG is a PNG that does not compress: random pixels.
func noisePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	if _, err := rand.Read(img.Pix); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
