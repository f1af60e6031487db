package auth

import (
	"regexp"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/config"
)

func TestGenerateInitialPasswordSatisfiesThePolicy(t *testing.T) {
	policy := config.PasswordPolicy{MinLength: 8, MaxLength: 256, RequireLower: true, RequireUpper: true, RequireDigit: true, MaxRepeated: 3, ForbidIdentifier: true}
	shape := regexp.MustCompile(`^[a-zA-Z2-9]{4}(-[a-zA-Z2-9]{4}){3}$`)
	seen := map[string]bool{}
	for range 200 {
		p, err := GenerateInitialPassword(policy, "anna@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(p) || len(CheckPassword(policy, p)) > 0 || seen[p] {
			t.Fatalf("bad or repeated initial password %q", p)
		}
		seen[p] = true
	}
	policy.MinLength = 30
	p, err := GenerateInitialPassword(policy)
	if err != nil || len(CheckPassword(policy, p)) > 0 {
		t.Fatalf("long policy: %q, %v", p, err)
	}
}
