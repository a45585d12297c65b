package capitest_test

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"capi-upload/upload/capitest"
)

// A test starts the double (with capitest.Start(t) it closes itself), points
// the client at its URL and asserts on what it accepted.
func ExampleNewServer() {
	srv := capitest.NewServer()
	defer srv.Close()

	body := fmt.Sprintf(`{
		"access_token": %q,
		"data": [{
			"event_name": "Purchase",
			"event_time": %d,
			"action_source": "physical_store",
			"event_id": "receipt-1",
			"user_data": {"em": "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"},
			"custom_data": {"value": 12.5, "currency": "USD"}
		}]
	}`, srv.Token(), time.Now().Unix())
	resp, err := srv.Client().Post(srv.EventsURL("v24.0", capitest.DefaultPixelID), "application/json", strings.NewReader(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()

	fmt.Println(resp.StatusCode == http.StatusOK)
	fmt.Println(srv.AcceptedCount("Purchase", "receipt-1"))
	fmt.Println(srv.Requests()[0].TokenInURL)
	// Output:
	// true
	// 1
	// false
}

// Faults are queued per request or set for every request; this one makes
// the first two requests fail with HTTP 503 and is then spent.
func ExampleServer_FailFirst() {
	srv := capitest.NewServer()
	defer srv.Close()
	srv.FailFirst(2, capitest.HTTPStatus(http.StatusServiceUnavailable))

	for range 3 {
		resp, err := srv.Client().Post(srv.EventsURL("v24.0", capitest.DefaultPixelID), "application/json", strings.NewReader(`{}`))
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// 503
	// 503
	// 400
}
