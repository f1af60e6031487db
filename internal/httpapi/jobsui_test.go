package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/httpapi"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

const (
	operatorUser     = "ops"
	operatorPassword = "operator secret 2026"
)

func withJobsUI(c *config.Config) {
	c.Jobs.UI = true
	c.Operator = config.Operator{Username: operatorUser, Password: operatorPassword}
}

// jobsUIRequest sends method to the jobs UI path, with Basic credentials
// when user is not empty.
func jobsUIRequest(t *testing.T, env *apitest.Env, method, path, user, password string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := env.HTTPClient.Do(req) // checks that errors are problem+json
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

// Off unless configured: the paths are unknown routes, 404 in problem+json.
func TestJobsUIIsOffByDefault(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, path := range []string{httpapi.JobsUIPath, httpapi.JobsUIPath + "/", httpapi.JobsUIPath + "/api/jobs"} {
		res, body := jobsUIRequest(t, env, http.MethodGet, path, operatorUser, operatorPassword)
		apitest.ProblemOf(t, res.StatusCode, res.Header, body, http.StatusNotFound, "not_found")
	}
}

// With the UI on, only the operator's credentials open it; the spec
// validator leaves these non-API paths alone.
func TestJobsUIRequiresOperatorCredentials(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, withJobsUI)
	apitest.Register(t, env, apitest.NewAccount()) // a welcome message: one delivery job to list

	for name, creds := range map[string][2]string{
		"no credentials":  {"", ""},
		"wrong password":  {operatorUser, operatorPassword + "x"},
		"wrong username":  {"admin", operatorPassword},
		"password prefix": {operatorUser, operatorPassword[:5]},
	} {
		res, body := jobsUIRequest(t, env, http.MethodGet, httpapi.JobsUIPath+"/", creds[0], creds[1])
		apitest.ProblemOf(t, res.StatusCode, res.Header, body, http.StatusUnauthorized, "authentication_required")
		if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("%s: WWW-Authenticate %q", name, res.Header.Get("WWW-Authenticate"))
		}
	}

	for _, path := range []string{httpapi.JobsUIPath, httpapi.JobsUIPath + "/", httpapi.JobsUIPath + "/queues"} {
		res, body := jobsUIRequest(t, env, http.MethodGet, path, operatorUser, operatorPassword)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if !strings.Contains(string(body), httpapi.JobsUIPath) {
			t.Errorf("GET %s: the page does not link under %s", path, httpapi.JobsUIPath)
		}
	}
	res, body := jobsUIRequest(t, env, http.MethodGet, httpapi.JobsUIPath+"/api/jobs?state=available", operatorUser, operatorPassword)
	var list struct {
		Data []struct {
			Kind string `json:"kind"`
		} `json:"data"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.Data) != 1 || list.Data[0].Kind != "deliver_message" {
		t.Fatalf("jobs API: %d %s", res.StatusCode, body)
	}

	// Basic credentials go with every request to the origin: another site
	// must not use them to change anything.
	res, body = jobsUIRequest(t, env, http.MethodPost, httpapi.JobsUIPath+"/api/jobs/cancel", operatorUser, operatorPassword,
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	apitest.ProblemOf(t, res.StatusCode, res.Header, body, http.StatusForbidden, "forbidden")
}

// The assembly itself refuses to serve the UI without credentials, should a
// configuration skip Validate.
func TestJobsUIIsNeverServedWithoutCredentials(t *testing.T) {
	t.Parallel()
	cfg := apitest.Config()
	cfg.Jobs.UI = true
	if env, err := apitest.Start(testdb.New(t), cfg); err == nil {
		env.Close()
		t.Fatal("the jobs UI was served without operator credentials")
	}
}
