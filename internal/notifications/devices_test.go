package notifications_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestDevicesPerSession(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	phone := apitest.Register(t, env, acc) // the phone's session
	laptop := apitest.Login(t, env, string(acc.Email), acc.Password, false).JSON200
	boris := apitest.Register(t, env, apitest.NewAccount())

	reg, err := env.Client.RegisterDeviceWithResponse(ctx, client.DeviceRegistration{Token: "fcm-token-1", Platform: "android"}, apitest.Bearer(phone.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if reg.JSON201 == nil || !reg.JSON201.Current || reg.JSON201.Platform != "android" {
		t.Fatalf("register: %d %s", reg.StatusCode(), reg.Body)
	}
	list, err := env.Client.ListDevicesWithResponse(ctx, apitest.Bearer(laptop.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if len(list.JSON200.Items) != 1 || list.JSON200.Items[0].Current || list.JSON200.Items[0].ID != reg.JSON201.ID {
		t.Fatalf("list from the laptop: %s", list.Body)
	}

	// Another user's device is not found, and stays.
	del, err := env.Client.DeleteDeviceWithResponse(ctx, reg.JSON201.ID, apitest.Bearer(boris.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, del.StatusCode(), del.HTTPResponse.Header, del.Body, http.StatusNotFound, "not_found")

	// Signing out on the phone forgets its device.
	if _, err := env.Client.LogoutWithResponse(ctx, apitest.Bearer(phone.AccessToken)); err != nil {
		t.Fatal(err)
	}
	list, err = env.Client.ListDevicesWithResponse(ctx, apitest.Bearer(laptop.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if len(list.JSON200.Items) != 0 || apitest.CountRows(t, env, "devices") != 0 {
		t.Fatalf("after sign-out: %s", list.Body)
	}

	// The same token registered again (another account on the phone) moves.
	for _, who := range []string{laptop.AccessToken, boris.AccessToken} {
		if r, err := env.Client.RegisterDeviceWithResponse(ctx, client.DeviceRegistration{Token: "fcm-token-2", Platform: "ios"}, apitest.Bearer(who)); err != nil || r.StatusCode() != http.StatusCreated {
			t.Fatalf("register: %v", err)
		}
	}
	list, err = env.Client.ListDevicesWithResponse(ctx, apitest.Bearer(laptop.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if len(list.JSON200.Items) != 0 {
		t.Fatalf("the token did not move: %s", list.Body)
	}
	list, err = env.Client.ListDevicesWithResponse(ctx, apitest.Bearer(boris.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if len(list.JSON200.Items) != 1 {
		t.Fatalf("Boris's devices: %s", list.Body)
	}
	del, err = env.Client.DeleteDeviceWithResponse(ctx, list.JSON200.Items[0].ID, apitest.Bearer(boris.AccessToken))
	if err != nil || del.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: %v %d", err, del.StatusCode())
	}

	// Invalid input names the field.
	bad, err := env.Client.RegisterDeviceWithResponse(ctx, client.DeviceRegistration{Token: "", Platform: "symbian"}, apitest.Bearer(boris.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, bad.StatusCode(), bad.HTTPResponse.Header, bad.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "token:too_short", "platform:invalid_value") {
		t.Fatalf("fields = %v", apitest.Fields(p))
	}
}
