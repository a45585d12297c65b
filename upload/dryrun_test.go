package upload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"capi-upload/capi"
	"capi-upload/ledger/ledgertest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func goldenEvents() []capi.Event {
	country := 1
	state := 1000
	return []capi.Event{
		{EventName: "Purchase", EventTime: testNow.Add(-2 * time.Hour).Unix(), ActionSource: "physical_store", EventID: "R-1001",
			UserData:   capi.UserData{capi.KeyEm: {"a" + string(bytes.Repeat([]byte("0"), 63))}, capi.KeyPh: {"b" + string(bytes.Repeat([]byte("1"), 63))}},
			CustomData: capi.CustomData{{Key: "value", Value: 19.99}, {Key: "currency", Value: "USD"}, {Key: "order_id", Value: "R-1001"}, {Key: "content_ids", Value: []string{"SKU1", "SKU2"}}, {Key: "num_items", Value: 2}}},
		{EventName: "Purchase", EventTime: testNow.Add(-time.Hour).Unix(), ActionSource: "physical_store", EventID: "R-1002",
			UserData:              capi.UserData{capi.KeyEm: {"c" + string(bytes.Repeat([]byte("2"), 63)), "d" + string(bytes.Repeat([]byte("3"), 63))}},
			CustomData:            capi.CustomData{{Key: "value", Value: 5.0}, {Key: "currency", Value: "EUR"}, {Key: "store_id", Value: "S12"}},
			DataProcessingOptions: []string{"LDU"}, DPOCountry: &country, DPOState: &state},
		{EventName: "Lead", EventTime: testNow.Add(-30 * time.Minute).Unix(), ActionSource: "phone_call", EventID: "L-7",
			UserData: capi.UserData{capi.KeyExternalID: {"e" + string(bytes.Repeat([]byte("4"), 63))}}},
	}
}

func TestDryRunGolden(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	evs := goldenEvents()
	var col collector
	opt := col.options(Options{BatchSize: 2, Concurrency: 4, TestEventCode: "TEST123", UploadTag: "nightly-pos", NamespaceID: "777", PartnerAgent: "capi-upload/test"})
	if err := Run(t.Context(), NewDryRun(dir), ledgertest.NewMem(), feed(t.Context(), evs), opt); err != nil {
		t.Fatal(err)
	}
	col.checkOneOutcome(t, evs)
	if col.statuses[capi.StatusSent] != 3 {
		t.Errorf("statuses = %v, want 3 sent", col.statuses)
	}
	files, err := filepath.Glob(filepath.Join(dir, "requests", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("files = %v, want 000001.json and 000002.json", files)
	}
	for _, f := range files {
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(got) {
			t.Errorf("%s is not valid JSON", f)
		}
		if bytes.Contains(got, []byte("access_token")) || bytes.Contains(got, []byte("appsecret_proof")) {
			t.Errorf("%s holds auth fields", f)
		}
		golden := filepath.Join("testdata", "dryrun-"+filepath.Base(f)+".golden")
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s:\n got %s\nwant %s", f, golden, got, want)
		}
	}
	// What the dry run writes is what the client sends, minus the token.
	e := newEdge(t)
	var col2 collector
	opt2 := col2.options(Options{BatchSize: 2, Concurrency: 1, TestEventCode: "TEST123", UploadTag: "nightly-pos", NamespaceID: "777", PartnerAgent: "capi-upload/test"})
	if err := Run(t.Context(), e.client(t, nil), ledgertest.NewMem(), feed(t.Context(), evs), opt2); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(files[0])
	want := append(first[:len(first)-1:len(first)-1], []byte(`,"access_token":"`+testToken+`"}`)...)
	if !bytes.Equal(e.bodies[0], want) {
		t.Errorf("sent body\n%s\nwant\n%s", e.bodies[0], want)
	}
}

// ExampleRun uploads three events in a dry run, which writes the request
// bodies instead of sending them.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "capi-upload-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	now := time.Now()
	in := make(chan []capi.Event, 1)
	var evs []capi.Event
	for i, age := range []time.Duration{time.Hour, 8 * 24 * time.Hour, 2 * time.Hour} {
		evs = append(evs, capi.Event{EventName: "Purchase", EventTime: now.Add(-age).Unix(), ActionSource: "physical_store",
			EventID: fmt.Sprintf("R-%d", i+1), UserData: capi.UserData{capi.KeyEm: {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}})
	}
	in <- evs
	close(in)
	opt := Options{
		PixelID:     "123456789012345",
		BatchSize:   2,
		Concurrency: 1,
		OnOutcome: func(o capi.Outcome) {
			if o.Reason != "" {
				fmt.Println(o.Event.EventID, o.Status, o.Reason)
				return
			}
			fmt.Println(o.Event.EventID, o.Status)
		},
		OnRequest: func(r capi.RequestLog) { fmt.Println("request", r.Seq, "events", r.Events) },
	}
	if err := Run(context.Background(), NewDryRun(dir), ledgertest.NewMem(), in, opt); err != nil {
		fmt.Println(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "requests", "*.json"))
	fmt.Println(len(files), "request files")
	// Output:
	// request 1 events 1
	// R-1 sent
	// R-2 stale stale
	// request 2 events 1
	// R-3 sent
	// 2 request files
}

// TestDryRunFilesArePrivate: the request bodies hold hashed customer
// data, so they are 0600 in a 0700 directory.
func TestDryRunFilesArePrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var col collector
	if err := Run(t.Context(), NewDryRun(dir), ledgertest.NewMem(), feed(t.Context(), goldenEvents()), col.options(Options{BatchSize: 2})); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "requests"))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("requests/ mode = %v, want 0700", got)
	}
	for _, name := range []string{"000001.json", "000002.json"} {
		fi, err := os.Stat(filepath.Join(dir, "requests", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s mode = %v, want 0600", name, got)
		}
	}
}

// TestDryRunNeverWritesThroughALink: a link planted where a body goes
// stops the run (*WriteError) and its target is left as it was; so does
// a requests "directory" that is a link to another one.
func TestDryRunNeverWritesThroughALink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		plant func(t *testing.T, dir, target string)
	}{
		{"link to a file", func(t *testing.T, dir, target string) {
			if err := os.MkdirAll(filepath.Join(dir, "requests"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, filepath.Join(dir, "requests", "000001.json")); err != nil {
				t.Fatal(err)
			}
		}},
		{"dangling link", func(t *testing.T, dir, target string) {
			if err := os.MkdirAll(filepath.Join(dir, "requests"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target+".new", filepath.Join(dir, "requests", "000001.json")); err != nil {
				t.Fatal(err)
			}
		}},
		{"requests is a link to a directory", func(t *testing.T, dir, target string) {
			if err := os.Symlink(filepath.Dir(target), filepath.Join(dir, "requests")); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, elsewhere := t.TempDir(), t.TempDir()
			target := filepath.Join(elsewhere, "precious")
			if err := os.WriteFile(target, []byte("keep me"), 0o644); err != nil {
				t.Fatal(err)
			}
			tt.plant(t, dir, target)
			var col collector
			err := Run(t.Context(), NewDryRun(dir), ledgertest.NewMem(), feed(t.Context(), goldenEvents()), col.options(Options{BatchSize: 3}))
			if _, ok := errors.AsType[*WriteError](err); !ok {
				t.Fatalf("Run = %v, want a *WriteError", err)
			}
			if b, err := os.ReadFile(target); err != nil || string(b) != "keep me" {
				t.Errorf("target = %q, %v; want it untouched", b, err)
			}
			entries, _ := os.ReadDir(elsewhere)
			if len(entries) != 1 {
				t.Errorf("files beside the target: %v, want the target alone", entries)
			}
			if col.statuses[capi.StatusFailed] != 3 {
				t.Errorf("statuses = %v, want 3 failed", col.statuses)
			}
		})
	}
}
