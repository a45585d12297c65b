package main

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportGraph keeps the layout: the domain package capi imports
// nothing of ours, and each outside library sits in the one package that
// owns it (wtf's "one package per dependency").
func TestImportGraph(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		imports[p.ImportPath] = p.Imports
	}
	const mod = "capi-upload/"
	for _, imp := range imports[mod+"capi"] {
		if strings.HasPrefix(imp, mod) {
			t.Errorf("capi imports %s: the domain package imports nothing of ours", imp)
		}
	}
	// Each library (an import path prefix) and the only packages that may
	// import it, outside tests.
	owners := []struct {
		lib  string
		pkgs []string
	}{
		{"go.etcd.io/bbolt", []string{"ledger"}},
		// The Graph client, its test double, and the local page of serve
		// (package web, and main's listener: "capi-upload" is main).
		{"net/http", []string{"upload", "upload/capitest", "tools/fakeedge", "web", "capi-upload"}},
		{"go.yaml.in/yaml", []string{"mapping"}},
		{"github.com/xuri/excelize", []string{"ingest", "tools/corpusgen", "samples"}},
		{"github.com/schollz/progressbar", []string{"report"}},
	}
	for pkg, imps := range imports {
		for _, o := range owners {
			for _, imp := range imps {
				if (imp == o.lib || strings.HasPrefix(imp, o.lib+"/")) && !slices.Contains(o.pkgs, strings.TrimPrefix(pkg, mod)) {
					t.Errorf("%s imports %s, which only %v may", pkg, imp, o.pkgs)
				}
			}
		}
	}
	// report names outcomes in domain types, not the sending package's.
	for _, imp := range imports[mod+"report"] {
		if imp == mod+"upload" {
			t.Error("report imports upload")
		}
	}
}
