package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	argov1alpha1 "github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from this implementation")

// TestGolden renders every testdata/*.yaml and compares exit code, stderr and
// stdout with testdata/<name>.golden. The golden files were produced by Argo
// CD v3.4.4's own template.GenerateApplications (see README.md).
func TestGolden(t *testing.T) {
	fixtures, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(fixtures) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, fixture := range fixtures {
		name := strings.TrimSuffix(filepath.Base(fixture), ".yaml")
		t.Run(name, func(t *testing.T) {
			in, err := os.Open(fixture)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			var stdout, stderr bytes.Buffer
			code := 0
			if err := run(nil, in, &stdout, &stderr); err != nil {
				fmt.Fprintf(&stderr, "appset-render: %v\n", err)
				code = 1
				var ee *exitError
				if errors.As(err, &ee) {
					code = ee.code
				}
			}
			got := fmt.Sprintf("exit %d\n--- stderr\n%s--- stdout\n%s", code, stderr.String(), stdout.String())
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

// TestTemplateTypes checks what replaceDeep relies on to match Argo CD's
// reflection walk on the Application type: the only unexported fields are
// time.Time's (never set in a template), and no map is keyed by a named
// string type (Argo CD would set a plain string key into it).
func TestTemplateTypes(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, path string) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		switch typ.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(typ.Elem(), path+"[]")
		case reflect.Map:
			if typ.Key().Kind() == reflect.String && typ.Key() != reflect.TypeFor[string]() {
				t.Errorf("%s: map keyed by %s", path, typ.Key())
			}
			walk(typ.Elem(), path+"{}")
		case reflect.Struct:
			if typ == reflect.TypeFor[time.Time]() {
				return
			}
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				if !f.IsExported() {
					t.Errorf("%s.%s: unexported field in %s", path, f.Name, typ)
					continue
				}
				walk(f.Type, path+"."+f.Name)
			}
		}
	}
	walk(reflect.TypeFor[argov1alpha1.Application](), "Application")
}

// TestRefusesUnsupported: input Argo CD would render with machinery this
// command does not reproduce is refused with exit 2, never rendered otherwise.
func TestRefusesUnsupported(t *testing.T) {
	const head = "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: x, namespace: argocd}\n"
	cases := map[string]string{
		"no goTemplate": head + "spec:\n  generators: [{list: {elements: [{a: b}]}}]\n  template: {metadata: {name: x}, spec: {project: p, destination: {}}}\n",
		"clusters":      head + "spec:\n  goTemplate: true\n  generators: [{clusters: {}}]\n  template: {metadata: {name: x}, spec: {project: p, destination: {}}}\n",
		"selector":      head + "spec:\n  goTemplate: true\n  generators: [{list: {elements: [{a: b}]}, selector: {matchLabels: {a: b}}}]\n  template: {metadata: {name: x}, spec: {project: p, destination: {}}}\n",
		"not an appset": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\n",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(nil, strings.NewReader(in), &stdout, &stderr)
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != 2 {
				t.Fatalf("want exit 2, got %v", err)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty: %s", stdout.String())
			}
		})
	}
}
