package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/seed"
)

// TestDemoCatalog: the demo catalog loads twice without change and is what
// the public catalog shows: 30+ programs, every kind, groups taking
// applications, covers, requisites.
func TestDemoCatalog(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	hasher, err := auth.NewHasher(env.Config.Argon2, 2)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.Open(ctx, env.Config.Blob.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	for range 2 {
		if err := seed.Demo(ctx, env.Pool, hasher); err != nil {
			t.Fatal(err)
		}
		if err := seed.Catalog(ctx, env.Pool, blobs, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if n := apitest.CountRows(t, env, "programs"); n < 30 {
		t.Fatalf("%d programs, want at least 30", n)
	}
	if n := apitest.CountRows(t, env, "catalog_images"); n != apitest.CountRows(t, env, "programs") {
		t.Fatalf("%d covers for the programs", n)
	}
	res, err := env.Client.SearchCatalogOrganizationProgramsWithResponse(ctx, seed.DemoOrgSlug, &client.SearchCatalogOrganizationProgramsParams{EnrollmentOpen: ptr(true), Limit: ptr(100)})
	if err != nil || res.JSON200 == nil {
		t.Fatalf("search: %v %s", err, res.Body)
	}
	if res.JSON200.Total < 25 || len(res.JSON200.Facets.Kinds) != 5 || len(res.JSON200.Facets.Categories) < 6 {
		t.Fatalf("open programs %d, kinds %v, categories %d", res.JSON200.Total, res.JSON200.Facets.Kinds, len(res.JSON200.Facets.Categories))
	}
	card := res.JSON200.Items[0]
	cover, _ := env.Client.GetCatalogProgramCoverWithResponse(ctx, seed.DemoOrgSlug, card.Slug, nil)
	if cover.StatusCode() != 200 || cover.HTTPResponse.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("cover: %d", cover.StatusCode())
	}
	org, _ := env.Client.GetCatalogOrganizationWithResponse(ctx, seed.DemoOrgSlug, nil)
	if org.JSON200 == nil || org.JSON200.Inn != "7707083893" || org.JSON200.Licence.Number == "" {
		t.Fatalf("demo organization: %s", org.Body)
	}
	groups, _ := env.Client.ListCatalogProgramGroupsWithResponse(ctx, seed.DemoOrgSlug, "vospitatel-doo-fgos", nil)
	if groups.JSON200 == nil || len(groups.JSON200.Items) != 3 { // running, enrolling, planned; the finished one is not public
		t.Fatalf("groups: %s", groups.Body)
	}
}

func ptr[T any](v T) *T { return &v }
