// Package fcmtest is an httptest server that speaks the two APIs an FCM
// client uses: Google's OAuth2 token endpoint for service accounts (JWT
// bearer grant, RS256) and FCM's HTTP v1 messages:send. Tokens named in
// Unregistered answer 404 UNREGISTERED; those in Throttled 429 with
// Retry-After; every other token is accepted and recorded.
package fcmtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// Project is the project id of the fake service account.
const Project = "kabinet-test"

// Sent is one accepted message.
type Sent struct {
	Token, Title, Body string
	Data               map[string]string
}

// Server is the fake Google.
type Server struct {
	*httptest.Server
	key *rsa.PrivateKey

	mu           sync.Mutex
	sent         []Sent
	tokenCalls   int
	Unregistered map[string]bool
	Throttled    map[string]bool
}

// New starts a server; it stops when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{key: key, Unregistered: map[string]bool{}, Throttled: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /v1/projects/{project}/messages:send", s.send)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// CredentialsFile writes a service-account key file for this server into
// a temporary directory and returns its path.
func (s *Server) CredentialsFile(t testing.TB) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(map[string]string{
		"type": "service_account", "project_id": Project, "private_key_id": "key-1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "push@" + Project + ".iam.gserviceaccount.com", "token_uri": s.URL + "/token",
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "service-account.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Messages returns the accepted messages so far.
func (s *Server) Messages() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// TokenCalls counts the access tokens handed out.
func (s *Server) TokenCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.FormValue("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
		return
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(r.FormValue("assertion"), claims, func(*jwt.Token) (any, error) { return &s.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(s.URL+"/token"), jwt.WithIssuedAt())
	if err != nil || claims["scope"] != "https://www.googleapis.com/auth/firebase.messaging" ||
		claims["iss"] != "push@"+Project+".iam.gserviceaccount.com" {
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.tokenCalls++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"access_token":"ya29.fake-access-token","expires_in":3599,"token_type":"Bearer"}`))
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer ya29.fake-access-token" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":401,"status":"UNAUTHENTICATED","message":"Request had invalid authentication credentials."}}`))
		return
	}
	if r.PathValue("project") != Project {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error":{"code":403,"status":"PERMISSION_DENIED","message":"wrong project"}}`))
		return
	}
	var body struct {
		Message struct {
			Token        string            `json:"token"`
			Notification map[string]string `json:"notification"`
			Data         map[string]string `json:"data"`
		} `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || strings.TrimSpace(body.Message.Token) == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"code":400,"status":"INVALID_ARGUMENT","message":"bad message"}}`))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch m := body.Message; {
	case s.Unregistered[m.Token]:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":404,"status":"NOT_FOUND","message":"Requested entity was not found.","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}`))
	case s.Throttled[m.Token]:
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"quota","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"QUOTA_EXCEEDED"}]}}`))
	default:
		s.sent = append(s.sent, Sent{Token: m.Token, Title: m.Notification["title"], Body: m.Notification["body"], Data: m.Data})
		_, _ = w.Write([]byte(`{"name":"projects/` + Project + `/messages/0:1"}`))
	}
}
