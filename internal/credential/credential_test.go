package credential_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/internal/credential"
)

var issued = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

const listURL = "https://kabinet.example.org/api/v1/public/status-lists/demo/certificate"

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func award() credential.Award {
	start, end := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	status := credential.NewStatusEntry(listURL, 42)
	return credential.Award{
		ID:       uuid.MustParse("5b0f6c3e-8f1a-4d7b-9c55-0e4d2b1a7f10"),
		IssuerID: "https://kabinet.example.org/api/v1/public/organizations/demo", IssuerName: "Учебный центр «Экстерн»",
		IssuerURL: "https://extern.example.org", HolderName: "Иванова Анна Сергеевна",
		AchievementID: "https://kabinet.example.org/api/v1/public/programs/7", AchievementType: credential.TypeCertificate,
		Title: "Удостоверение о повышении квалификации", Program: "Методика преподавания математики",
		Number: "2026-000042", Hours: 72, StartedOn: &start, FinishedOn: &end, IssuedAt: issued, Status: &status,
	}
}

func jwks(keys ...ed25519.PrivateKey) []byte {
	var doc struct {
		Keys []credential.JWK `json:"keys"`
	}
	for _, k := range keys {
		doc.Keys = append(doc.Keys, credential.NewSigner(k).JWK())
	}
	raw, _ := json.Marshal(doc)
	return raw
}

func TestSignVerifyRoundTrip(t *testing.T) {
	key := newKey(t)
	s := credential.NewSigner(key)
	c, err := credential.Build(award())
	if err != nil {
		t.Fatal(err)
	}
	token, err := s.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := credential.ParseJWKS(jwks(newKey(t), key))
	if err != nil {
		t.Fatal(err)
	}
	got, err := credential.Verify(token, keys, issued.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "urn:uuid:5b0f6c3e-8f1a-4d7b-9c55-0e4d2b1a7f10" || got.Issuer.Name != "Учебный центр «Экстерн»" ||
		got.CredentialSubject.Achievement.HumanCode != "2026-000042" || got.CredentialSubject.Result[0].Value != "72" ||
		got.CredentialSubject.Identifier[0].IdentityHash != "Иванова Анна Сергеевна" || !got.ValidFrom.Equal(issued) ||
		got.CredentialStatus.StatusListIndex != "42" {
		t.Errorf("verified credential %+v", got)
	}

	// The JWT's header and payload follow OB 3.0 §8.2.
	parts := strings.Split(token, ".")
	var header, payload map[string]any
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	p, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(h, &header)
	_ = json.Unmarshal(p, &payload)
	if header["alg"] != "EdDSA" || header["kid"] != s.KeyID() || header["typ"] != "JWT" || header["jwk"] == nil {
		t.Errorf("header %v", header)
	}
	if payload["iss"] != c.Issuer.ID || payload["jti"] != c.ID || payload["nbf"] != float64(issued.Unix()) || payload["vc"] != nil {
		t.Errorf("payload claims %v", payload)
	}
	types, _ := payload["type"].([]any)
	ctx, _ := payload["@context"].([]any)
	if len(types) != 2 || types[1] != "OpenBadgeCredential" || ctx[0] != credential.ContextVC || ctx[1] != credential.ContextOB3 {
		t.Errorf("payload types %v, context %v", types, ctx)
	}
	sub := payload["credentialSubject"].(map[string]any)
	ach := sub["achievement"].(map[string]any)
	if ach["name"] != "Методика преподавания математики" || ach["criteria"].(map[string]any)["narrative"] == "" || sub["activityEndDate"] != "2026-11-28T00:00:00Z" {
		t.Errorf("subject %v", sub)
	}
}

func TestVerifyRefuses(t *testing.T) {
	key, other := newKey(t), newKey(t)
	c, _ := credential.Build(award())
	token, _ := credential.NewSigner(key).Sign(c)
	keys, _ := credential.ParseJWKS(jwks(key))
	otherKeys, _ := credential.ParseJWKS(jwks(other))
	parts := strings.Split(token, ".")

	tamper := func(edit func(map[string]any)) string {
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		edit(m)
		raw, _ = json.Marshal(m)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(raw) + "." + parts[2]
	}
	// A key whose kid matches but whose bytes differ: the kid cannot pick a key.
	impostor := credential.KeySet{credential.NewSigner(key).KeyID(): other.Public().(ed25519.PublicKey)}
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": c.Issuer.ID})
	hs.Header["kid"] = credential.NewSigner(key).KeyID()
	hsToken, _ := hs.SignedString([]byte("secret"))
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": c.Issuer.ID})
	noneToken, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)

	tests := []struct {
		name  string
		token string
		keys  credential.KeySet
		at    time.Time
		want  error
	}{
		{"holder name changed", tamper(func(m map[string]any) {
			m["credentialSubject"].(map[string]any)["identifier"].([]any)[0].(map[string]any)["identityHash"] = "Петров Пётр"
		}), keys, issued, credential.ErrInvalid},
		{"title changed", tamper(func(m map[string]any) { m["name"] = "Диплом" }), keys, issued, credential.ErrInvalid},
		{"signature cut", parts[0] + "." + parts[1] + ".", keys, issued, credential.ErrInvalid},
		{"another key", token, otherKeys, issued, credential.ErrUnknownKey},
		{"impostor key under the kid", token, impostor, issued, credential.ErrInvalid},
		{"HS256 with a guessed secret", hsToken, keys, issued, credential.ErrInvalid},
		{"alg none", noneToken, keys, issued, credential.ErrInvalid},
		{"before validFrom", token, keys, issued.Add(-time.Hour), credential.ErrNotValidAt},
		{"garbage", "not.a.jwt", keys, issued, credential.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := credential.Verify(tt.token, tt.keys, tt.at); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}

	// validUntil is honored.
	until := issued.Add(365 * 24 * time.Hour)
	c.ValidUntil = &until
	limited, _ := credential.NewSigner(key).Sign(c)
	if _, err := credential.Verify(limited, keys, until.Add(time.Hour)); !errors.Is(err, credential.ErrNotValidAt) {
		t.Errorf("after validUntil: %v", err)
	}
}

func TestBuildRequiresFields(t *testing.T) {
	a := award()
	a.HolderName, a.Number = " ", ""
	if _, err := credential.Build(a); !errors.Is(err, credential.ErrInvalidAward) || !strings.Contains(err.Error(), "HolderName, Number") {
		t.Errorf("Build = %v", err)
	}
}

func TestParseJWKS(t *testing.T) {
	key := newKey(t)
	good := credential.NewSigner(key).JWK()
	bad := good
	bad.Kid = "someone-else"
	enc := good
	enc.Use = "enc"
	for name, tt := range map[string]struct {
		keys []credential.JWK
		ok   bool
	}{
		"good":          {[]credential.JWK{good}, true},
		"kid not thumb": {[]credential.JWK{bad}, false},
		"only enc":      {[]credential.JWK{enc}, false},
		"rsa skipped":   {[]credential.JWK{{Kty: "RSA"}, good}, true},
		"short key":     {[]credential.JWK{{Kty: "OKP", Crv: "Ed25519", X: "AAAA"}}, false},
		"empty":         {nil, false},
	} {
		raw, _ := json.Marshal(map[string]any{"keys": tt.keys})
		if _, err := credential.ParseJWKS(raw); (err == nil) != tt.ok {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestStatusList(t *testing.T) {
	key := newKey(t)
	s := credential.NewSigner(key)
	keys, _ := credential.ParseJWKS(jwks(key))
	c, _ := credential.Build(award())
	tok, _ := s.Sign(c)
	vc, err := credential.Verify(tok, keys, issued)
	if err != nil {
		t.Fatal(err)
	}
	check := func(revoked ...int) bool {
		t.Helper()
		bits, err := credential.NewStatusList(0, revoked...)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.SignStatusList(credential.NewStatusListCredential(listURL, c.Issuer.ID, bits, issued))
		if err != nil {
			t.Fatal(err)
		}
		lc, got, err := credential.VerifyStatusList(list, keys, issued)
		if err != nil {
			t.Fatal(err)
		}
		if len(lc.CredentialSubject.EncodedList) > 200 {
			t.Errorf("a 16 KB list of zeros should compress well: %d characters", len(lc.CredentialSubject.EncodedList))
		}
		r, err := credential.Revoked(vc, lc, got)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if check() || check(41, 43) {
		t.Error("a valid credential reads as revoked")
	}
	if !check(42) || !check(0, 42, 131071) {
		t.Error("a revoked credential reads as valid")
	}
	if _, err := credential.NewStatusList(8, 131072); err == nil {
		t.Error("an index outside the list was accepted")
	}
	// A list from another URL is not the credential's.
	bits, _ := credential.NewStatusList(0, 42)
	other := credential.NewStatusListCredential(listURL+"-other", c.Issuer.ID, bits, issued)
	if _, err := credential.Revoked(vc, other, bits); !errors.Is(err, credential.ErrInvalid) {
		t.Errorf("foreign list: %v", err)
	}
	if _, err := credential.DecodeStatusList("zAAAA"); err == nil {
		t.Error("bad multibase accepted")
	}
}
