package idempotency_test

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/kabinet-edu/kabinet/internal/idempotency"
)

func TestRoutes(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /api/v1/orders:
    post: {operationId: createOrder, responses: {"201": {description: ok}}}
    get: {operationId: listOrders, responses: {"200": {description: ok}}}
  /api/v1/orders/{orderId}/payments/{n}:
    post: {operationId: createPayment, responses: {"201": {description: ok}}}
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := idempotency.Routes(doc, "createOrder", "createPayment")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"POST /api/v1/orders", "POST /api/v1/orders/:orderId/payments/:n"}
	if len(got) != len(want) || !got[want[0]] || !got[want[1]] {
		t.Fatalf("Routes = %v, want %v", got, want)
	}
	if _, err := idempotency.Routes(doc, "createRefund"); err == nil {
		t.Fatal("an unknown operation id was accepted")
	}
}
