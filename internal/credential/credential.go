// Package credential issues completion documents as Open Badges 3.0
// credentials — W3C Verifiable Credentials 2.0 of type OpenBadgeCredential
// — secured as JWTs (VC-JWT, OB 3.0 §8.2), and verifies them offline
// against a JWK Set.
//
// Keys. Credentials are signed with a credential key of the deployment,
// not with the access-token key: an access-token key rotates freely
// because its tokens live 15 minutes, while a diploma must verify for
// decades, so its key is retired rarely and stays published after it is.
// Both kinds of key are Ed25519 (EdDSA) and appear in the one JWKS at
// /.well-known/jwks.json with use "sig"; the credential's "kid" header is
// the key's RFC 7638 thumbprint. The issuer profile names the organization
// (its own name and URL), so one key serves every organization of a
// deployment; a per-organization key would only need another entry in the
// KeySet, as kids tell them apart.
//
// Revocation. Each credential carries a W3C Bitstring Status List entry
// (statusPurpose "revocation"): an index in a status list credential the
// server publishes per organization and document kind — a gzipped bitstring
// of at least 16 KB, signed like the credentials. A verifier fetches the
// list and reads one bit, so it learns nothing about which credential was
// checked and the server never sees the check; the public verification page
// (by number or QR) remains for people. The index can be the document's
// registration sequence number (internal/docnumber), unique per list.
package credential

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The JSON-LD contexts and the schema of an OB 3.0 credential.
const (
	ContextVC  = "https://www.w3.org/ns/credentials/v2"
	ContextOB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	SchemaOB3  = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)

// Achievement types (OB 3.0 AchievementType) used for our documents.
const (
	// TypeCertificate: удостоверение о повышении квалификации, сертификат.
	TypeCertificate = "Certificate"
	// TypeDiploma: диплом о профессиональной переподготовке.
	TypeDiploma = "Diploma"
)

// HoursResultType names the result that carries a program's hours.
const HoursResultType = "ext:AcademicHours"

// Credential is an OpenBadgeCredential: the JWT's payload.
type Credential struct {
	Context           []string     `json:"@context"`
	ID                string       `json:"id"`
	Type              []string     `json:"type"`
	Issuer            Profile      `json:"issuer"`
	ValidFrom         time.Time    `json:"validFrom"`
	ValidUntil        *time.Time   `json:"validUntil,omitempty"`
	Name              string       `json:"name"`
	Description       string       `json:"description,omitempty"`
	CredentialSubject Subject      `json:"credentialSubject"`
	CredentialStatus  *StatusEntry `json:"credentialStatus,omitempty"`
	CredentialSchema  []SchemaRef  `json:"credentialSchema,omitempty"`
}

// Profile is the issuer: the organization.
type Profile struct {
	ID   string   `json:"id"`
	Type []string `json:"type"`
	Name string   `json:"name"`
	URL  string   `json:"url,omitempty"`
}

// Subject is the holder and what they achieved.
type Subject struct {
	ID                string           `json:"id,omitempty"`
	Type              []string         `json:"type"`
	Identifier        []IdentityObject `json:"identifier,omitempty"`
	Achievement       Achievement      `json:"achievement"`
	Result            []Result         `json:"result,omitempty"`
	ActivityStartDate *time.Time       `json:"activityStartDate,omitempty"`
	ActivityEndDate   *time.Time       `json:"activityEndDate,omitempty"`
}

// IdentityObject names the holder (identityType "name", not hashed: the
// document is made out to a person by name, as its paper twin is).
type IdentityObject struct {
	Type         string `json:"type"`
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"`
	Hashed       bool   `json:"hashed"`
}

// Achievement is the completed program.
type Achievement struct {
	ID                string              `json:"id"`
	Type              []string            `json:"type"`
	AchievementType   string              `json:"achievementType,omitempty"`
	Name              string              `json:"name"`
	Description       string              `json:"description"`
	Criteria          Criteria            `json:"criteria"`
	HumanCode         string              `json:"humanCode,omitempty"`
	ResultDescription []ResultDescription `json:"resultDescription,omitempty"`
}

// Criteria says what earns the achievement.
type Criteria struct {
	Narrative string `json:"narrative"`
}

// ResultDescription declares a result the achievement records.
type ResultDescription struct {
	ID         string   `json:"id"`
	Type       []string `json:"type"`
	Name       string   `json:"name"`
	ResultType string   `json:"resultType"`
}

// Result is the holder's value of a declared result.
type Result struct {
	Type              []string `json:"type"`
	ResultDescription string   `json:"resultDescription"`
	Value             string   `json:"value"`
}

// SchemaRef points at the JSON Schema the credential follows.
type SchemaRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// Award is what a credential is built from: a completion document.
type Award struct {
	// ID is the document's id; the credential's id is its urn:uuid.
	ID uuid.UUID
	// IssuerID is a URL identifying the organization (its public profile),
	// IssuerName and IssuerURL what verifiers show.
	IssuerID, IssuerName, IssuerURL string
	// HolderName is the holder's full name as on the document.
	HolderName string
	// AchievementID is a URL (or urn:uuid) of the program.
	AchievementID string
	// AchievementType is TypeCertificate or TypeDiploma.
	AchievementType string
	// Title is the document's name ("Удостоверение о повышении
	// квалификации"); Program the program's name; Description and
	// Criteria describe the program and what completing it took.
	Title, Program, Description, Criteria string
	// Number is the registration number (shown as humanCode and in the
	// credential's description).
	Number string
	// Hours is the program's volume in academic hours.
	Hours int
	// StartedOn and FinishedOn are the dates of study, if known.
	StartedOn, FinishedOn *time.Time
	// IssuedAt is the issue date (validFrom).
	IssuedAt time.Time
	// Status is the revocation entry (see NewStatusEntry), if any.
	Status *StatusEntry
}

// ErrInvalidAward wraps what is missing from an Award.
var ErrInvalidAward = errors.New("credential: invalid award")

// Build makes the credential of an award.
func Build(a Award) (Credential, error) {
	var missing []string
	for name, v := range map[string]string{
		"IssuerID": a.IssuerID, "IssuerName": a.IssuerName, "HolderName": a.HolderName,
		"AchievementID": a.AchievementID, "Title": a.Title, "Program": a.Program, "Number": a.Number,
	} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if a.ID == uuid.Nil {
		missing = append(missing, "ID")
	}
	if a.IssuedAt.IsZero() {
		missing = append(missing, "IssuedAt")
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return Credential{}, fmt.Errorf("%w: %s required", ErrInvalidAward, strings.Join(missing, ", "))
	}
	if a.Hours < 0 {
		return Credential{}, fmt.Errorf("%w: negative hours", ErrInvalidAward)
	}
	kind := a.AchievementType
	if kind == "" {
		kind = TypeCertificate
	}
	criteria := a.Criteria
	if criteria == "" {
		criteria = fmt.Sprintf("Освоение программы «%s» и успешное прохождение итоговой аттестации.", a.Program)
	}
	description := a.Description
	if description == "" {
		description = a.Program
	}
	subject := Subject{
		Type: []string{"AchievementSubject"},
		Identifier: []IdentityObject{{
			Type: "IdentityObject", IdentityHash: a.HolderName, IdentityType: "name", Hashed: false,
		}},
		Achievement: Achievement{
			ID: a.AchievementID, Type: []string{"Achievement"}, AchievementType: kind,
			Name: a.Program, Description: description, Criteria: Criteria{Narrative: criteria},
			HumanCode: a.Number,
		},
		ActivityStartDate: utcDate(a.StartedOn),
		ActivityEndDate:   utcDate(a.FinishedOn),
	}
	if a.Hours > 0 {
		rd := a.AchievementID + "#hours"
		subject.Achievement.ResultDescription = []ResultDescription{{
			ID: rd, Type: []string{"ResultDescription"}, Name: "Объём программы, академических часов", ResultType: HoursResultType,
		}}
		subject.Result = []Result{{Type: []string{"Result"}, ResultDescription: rd, Value: fmt.Sprint(a.Hours)}}
	}
	return Credential{
		Context:           []string{ContextVC, ContextOB3},
		ID:                "urn:uuid:" + a.ID.String(),
		Type:              []string{"VerifiableCredential", "OpenBadgeCredential"},
		Issuer:            Profile{ID: a.IssuerID, Type: []string{"Profile"}, Name: a.IssuerName, URL: a.IssuerURL},
		ValidFrom:         a.IssuedAt.UTC().Truncate(time.Second),
		Name:              a.Title,
		Description:       fmt.Sprintf("%s № %s: %s, «%s»", a.Title, a.Number, a.HolderName, a.Program),
		CredentialSubject: subject,
		CredentialStatus:  a.Status,
		CredentialSchema:  []SchemaRef{{ID: SchemaOB3, Type: "1EdTechJsonSchemaValidator2019"}},
	}, nil
}

func utcDate(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}
