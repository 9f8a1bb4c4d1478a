// Command appset-render prints the Applications that the Argo CD v3.4.4
// ApplicationSet controller generates from an ApplicationSet whose generators
// are all list generators and which sets goTemplate: true. It honours
// goTemplateOptions, the template (and a list generator's own template),
// templatePatch and syncPolicy.preserveResourcesOnDeletion.
//
// Usage:
//
//	appset-render [-v] [FILE|-]      (stdin when FILE is absent or "-")
//
// stdout: a JSON array of Application objects, one per list element, in
// generator then element order. Exit 1 with Argo CD's error message on stderr
// when the controller would fail to generate (it then creates none of the
// Applications); exit 2 for bad usage or input this command does not cover.
//
// Why this is not a thin wrapper around Argo CD's packages: Argo CD v3.4.4
// builds gitops-engine from its own tree (replace => ./gitops-engine), and no
// gitops-engine version that the Go module proxy serves compiles with Argo CD
// v3.4.4's util/kube and util/argo/diff, which applicationset/utils (hence
// controllers/template and generators) imports. Its API types,
// pkg/apis/application/v1alpha1, do compile, so this command uses Argo CD
// v3.4.4's own ApplicationSet and Application types (decoding, JSON tags,
// strategic-merge-patch tags) and reproduces, on them and with the libraries
// and versions Argo CD v3.4.4 uses, what these v3.4.4 functions do:
//
//	applicationset/controllers/template: GenerateApplications, GetTempApplication,
//	    renderTemplatePatch, applyTemplatePatch
//	applicationset/generators: Transform (list only, no selector),
//	    mergeGeneratorTemplate, ListGenerator.GenerateParams
//	applicationset/utils: Render.RenderTemplateParams, Render.Replace (Go
//	    template branch), the sprig function map, ConvertYAMLToJSON,
//	    SanitizeName, SlugifyName, toYAML, fromYAML, fromYAMLArray
//
// Error messages are Argo CD's, word for word.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strings"
	"text/template"

	"dario.cat/mergo"
	"github.com/Masterminds/sprig/v3"
	"github.com/gosimple/slug"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	argov1alpha1 "github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
)

const usage = `usage: appset-render [-v] [FILE|-]

Prints the Applications that the Argo CD v3.4.4 ApplicationSet controller
generates from an ApplicationSet (YAML or JSON, read from FILE or from stdin)
whose generators are list generators and which sets goTemplate: true.

stdout  a JSON array of Application objects, one per list element
exit 0  rendered
exit 1  Argo CD would fail to generate; its error message is on stderr
exit 2  bad usage, or input outside what appset-render covers

  -v    on failure, print every error, not only the first (the one Argo CD
        puts in the ApplicationSet's ErrorOccurred condition)
`

type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "appset-render: %v\n", err)
		code := 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		os.Exit(code)
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("appset-render", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	verbose := fs.Bool("v", false, "print every error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{2, err}
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return &exitError{2, errors.New("at most one FILE argument")}
	}

	input, name, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		return &exitError{2, err}
	}
	appSet, err := decodeApplicationSet(input, stderr, name)
	if err != nil {
		return &exitError{2, fmt.Errorf("%s: %w", name, err)}
	}
	if err := checkSupported(appSet); err != nil {
		return &exitError{2, fmt.Errorf("%s: %w", name, err)}
	}

	apps, reason, errs := generateApplications(appSet)
	if len(errs) > 0 {
		if *verbose && len(errs) > 1 {
			for i, e := range errs[1:] {
				fmt.Fprintf(stderr, "appset-render: error %d of %d: %v\n", i+2, len(errs), e)
			}
		}
		// The controller stops here: it puts the first error in the
		// ApplicationSet's ErrorOccurred condition and creates nothing.
		return &exitError{1, fmt.Errorf("ApplicationSet %s/%s: %s: %w", appSet.Namespace, appSet.Name, reason, errs[0])}
	}

	out := make([]argov1alpha1.Application, 0, len(apps))
	for _, app := range apps {
		// The controller creates the Application with this type.
		app.APIVersion = argov1alpha1.SchemeGroupVersion.String()
		app.Kind = "Application"
		out = append(out, app)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return &exitError{1, fmt.Errorf("writing output: %w", err)}
	}
	return nil
}

func readInput(path string, stdin io.Reader) ([]byte, string, error) {
	if path == "" || path == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, "", fmt.Errorf("reading stdin: %w", err)
		}
		return b, "<stdin>", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	return b, path, nil
}

// decodeApplicationSet decodes one ApplicationSet as the controller receives
// it: JSON, decoded case-sensitively (as apimachinery's JSON serializer does)
// into Argo CD's type. Fields the type does not know are reported on stderr:
// the API server prunes them (or rejects them under strict field validation).
func decodeApplicationSet(input []byte, stderr io.Writer, name string) (*argov1alpha1.ApplicationSet, error) {
	jsonBytes, err := yaml.YAMLToJSON(input)
	if err != nil {
		return nil, fmt.Errorf("not YAML or JSON: %w", err)
	}
	if bytes.Equal(bytes.TrimSpace(jsonBytes), []byte("null")) {
		return nil, errors.New("empty document")
	}
	appSet := &argov1alpha1.ApplicationSet{}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(jsonBytes, appSet); err != nil {
		return nil, fmt.Errorf("not an ApplicationSet: %w", err)
	}
	if appSet.Kind != "ApplicationSet" {
		return nil, fmt.Errorf("kind is %q, want ApplicationSet", appSet.Kind)
	}
	strictErrs, err := kjson.UnmarshalStrict(jsonBytes, &argov1alpha1.ApplicationSet{})
	if err == nil {
		for _, e := range strictErrs {
			fmt.Fprintf(stderr, "appset-render: warning: %s: %v (the API server drops it)\n", name, e)
		}
	}
	return appSet, nil
}

// checkSupported refuses what this command does not reproduce, rather than
// render it differently from Argo CD.
func checkSupported(appSet *argov1alpha1.ApplicationSet) error {
	if !appSet.Spec.GoTemplate {
		return errors.New("spec.goTemplate is not true: only Go templates are supported")
	}
	for i := range appSet.Spec.Generators {
		g := appSet.Spec.Generators[i]
		if g.Selector != nil {
			return fmt.Errorf("spec.generators[%d].selector is not supported", i)
		}
		if set := generatorsSet(g); len(set) > 0 && !(len(set) == 1 && set[0] == "List") {
			return fmt.Errorf("spec.generators[%d] uses %s: only the list generator is supported", i, strings.Join(set, ", "))
		}
	}
	return nil
}

// generatorsSet names the generator fields set in one generator entry (Argo
// CD runs every one that is set; an entry with none generates nothing).
func generatorsSet(g argov1alpha1.ApplicationSetGenerator) []string {
	var set []string
	v := reflect.ValueOf(g)
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() || f.Name == "Selector" {
			continue
		}
		if fv := v.Field(i); fv.Kind() == reflect.Pointer && !fv.IsNil() {
			set = append(set, f.Name)
		}
	}
	return set
}

// generateApplications follows template.GenerateApplications: every
// generator, every parameter set; a failing element is skipped and the first
// error (with its reason) is what the controller reports.
func generateApplications(appSet *argov1alpha1.ApplicationSet) ([]argov1alpha1.Application, argov1alpha1.ApplicationSetReasonType, []error) {
	var (
		res    []argov1alpha1.Application
		errs   []error
		reason argov1alpha1.ApplicationSetReasonType
	)
	fail := func(r argov1alpha1.ApplicationSetReasonType, err error) {
		if len(errs) == 0 {
			reason = r
		}
		errs = append(errs, err)
	}

	for gi := range appSet.Spec.Generators {
		gen := appSet.Spec.Generators[gi]
		if gen.List == nil {
			continue // no generator set: Argo CD generates nothing for it
		}

		// generators.Transform for one list generator without selector.
		merged := gen.List.Template.DeepCopy()
		if err := mergo.Merge(merged, appSet.Spec.Template); err != nil {
			fail(argov1alpha1.ApplicationSetReasonApplicationParamsGenerationError, err)
			continue
		}
		params, err := listParams(gen.List)
		if err != nil {
			fail(argov1alpha1.ApplicationSetReasonApplicationParamsGenerationError, err)
			continue
		}

		tmplApp := tempApplication(*merged)
		for _, p := range params {
			app, err := renderTemplateParams(tmplApp, appSet.Spec.SyncPolicy, p, appSet.Spec.GoTemplateOptions)
			if err != nil {
				fail(argov1alpha1.ApplicationSetReasonRenderTemplateParamsError, err)
				continue
			}
			if appSet.Spec.TemplatePatch != nil {
				patched, err := renderTemplatePatch(app, *appSet.Spec.TemplatePatch, p, appSet.Spec.GoTemplateOptions)
				if err != nil {
					fail(argov1alpha1.ApplicationSetReasonRenderTemplateParamsError, err)
					continue
				}
				app = patched
			}
			// Kept in the ApplicationSet's namespace (appsets-in-any-namespace boundary).
			app.Namespace = appSet.Namespace
			res = append(res, *app)
		}
	}
	return res, reason, errs
}

// listParams is ListGenerator.GenerateParams with goTemplate: each element as
// decoded JSON (numbers are float64), then the elementsYaml elements.
func listParams(list *argov1alpha1.ListGenerator) ([]map[string]any, error) {
	res := make([]map[string]any, len(list.Elements))
	for i, el := range list.Elements {
		var element map[string]any
		if err := json.Unmarshal(el.Raw, &element); err != nil {
			return nil, fmt.Errorf("error unmarshling list element %w", err)
		}
		res[i] = element
	}
	if list.ElementsYaml != "" {
		var yamlElements []map[string]any
		if err := yaml.Unmarshal([]byte(list.ElementsYaml), &yamlElements); err != nil {
			return nil, fmt.Errorf("error unmarshling decoded ElementsYaml %w", err)
		}
		res = append(res, yamlElements...)
	}
	return res, nil
}

// tempApplication is template.GetTempApplication: the template's metadata
// fields and spec, sharing their maps and slices.
func tempApplication(t argov1alpha1.ApplicationSetTemplate) *argov1alpha1.Application {
	var app argov1alpha1.Application
	app.Annotations = t.Annotations
	app.Labels = t.Labels
	app.Namespace = t.Namespace
	app.Name = t.Name
	app.Spec = t.Spec
	app.Finalizers = t.Finalizers
	return &app
}

// renderTemplateParams is Render.RenderTemplateParams: with no parameters the
// template itself comes back untouched; otherwise every string in a fresh
// copy is rendered, then the resources finalizer is added when the template
// has no finalizers and the ApplicationSet does not preserve resources.
func renderTemplateParams(tmpl *argov1alpha1.Application, syncPolicy *argov1alpha1.ApplicationSetSyncPolicy, params map[string]any, options []string) (*argov1alpha1.Application, error) {
	if tmpl == nil {
		return nil, errors.New("application template is empty")
	}
	if len(params) == 0 {
		return tmpl, nil
	}
	dst := reflect.New(reflect.TypeOf(tmpl)).Elem()
	if err := replaceDeep(dst, reflect.ValueOf(tmpl), params, options); err != nil {
		return nil, err
	}
	app := dst.Interface().(*argov1alpha1.Application)
	if (syncPolicy == nil || !syncPolicy.PreserveResourcesOnDeletion) && len(app.Finalizers) == 0 {
		app.Finalizers = []string{argov1alpha1.ResourcesFinalizerName}
	}
	return app, nil
}

// replaceDeep writes into dst a copy of src in which every string, and every
// string map key, has been rendered as a Go template. Its rules are Argo CD's:
//   - nil pointers and nil interfaces stay nil;
//   - slices and maps are always made anew, so nil ones come out empty;
//   - map entries whose value is a nil pointer/map/slice/interface are dropped;
//   - a Raw field of runtime.RawExtension or apiextensions/v1.JSON is read as
//     YAML or JSON, rendered the same way, and written back as JSON.
func replaceDeep(dst, src reflect.Value, params map[string]any, options []string) error {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return nil
		}
		dst.Set(reflect.New(src.Type().Elem()))
		return replaceDeep(dst.Elem(), src.Elem(), params, options)

	case reflect.Interface:
		if src.IsNil() {
			return nil
		}
		inner := reflect.New(src.Elem().Type()).Elem()
		if err := replaceDeep(inner, src.Elem(), params, options); err != nil {
			return err
		}
		dst.Set(inner)

	case reflect.Struct:
		// Unexported fields (only time.Time's, zero in a template) are
		// copied as they are; exported ones are rendered.
		dst.Set(src)
		t := src.Type()
		for i := 0; i < src.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Name == "Raw" && (t.PkgPath() == "k8s.io/apimachinery/pkg/runtime" || t.PkgPath() == "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1") {
				raw, err := replaceRaw(src.Field(i).Bytes(), params, options)
				if err != nil {
					return err
				}
				dst.Field(i).SetBytes(raw)
				continue
			}
			if err := replaceDeep(dst.Field(i), src.Field(i), params, options); err != nil {
				return err
			}
		}

	case reflect.Slice:
		dst.Set(reflect.MakeSlice(src.Type(), src.Len(), src.Cap()))
		for i := 0; i < src.Len(); i++ {
			if err := replaceDeep(dst.Index(i), src.Index(i), params, options); err != nil {
				return err
			}
		}

	case reflect.Map:
		dst.Set(reflect.MakeMap(src.Type()))
		iter := src.MapRange()
		for iter.Next() {
			key, val := iter.Key(), iter.Value()
			if canBeNil(val.Kind()) && val.IsNil() {
				continue
			}
			out := reflect.New(val.Type()).Elem()
			if err := replaceDeep(out, val, params, options); err != nil {
				return err
			}
			if key.Kind() == reflect.String {
				rendered, err := replaceString(key.String(), params, options)
				if err != nil {
					return err
				}
				key = reflect.ValueOf(rendered).Convert(key.Type())
			}
			dst.SetMapIndex(key, out)
		}

	case reflect.String:
		rendered, err := replaceString(src.String(), params, options)
		if err != nil {
			return err
		}
		dst.SetString(rendered)

	default:
		dst.Set(src)
	}
	return nil
}

func canBeNil(k reflect.Kind) bool {
	switch k {
	case reflect.Map, reflect.Pointer, reflect.UnsafePointer, reflect.Interface, reflect.Slice:
		return true
	}
	return false
}

func replaceRaw(raw []byte, params map[string]any, options []string) ([]byte, error) {
	converted, err := convertYAMLToJSON(string(raw))
	if err != nil {
		return nil, fmt.Errorf("error while converting template to json %q: %w", converted, err)
	}
	var decoded any
	if err := json.Unmarshal([]byte(converted), &decoded); err != nil {
		return nil, fmt.Errorf("failed to unmarshal JSON field: %w", err)
	}
	src := reflect.ValueOf(&decoded)
	dst := reflect.New(src.Type()).Elem()
	if err := replaceDeep(dst, src, params, options); err != nil {
		return nil, fmt.Errorf("failed to deeply replace JSON field contents: %w", err)
	}
	out, err := json.Marshal(dst.Interface().(*any))
	if err != nil {
		return nil, fmt.Errorf("failed to marshal templated JSON field: %w", err)
	}
	return out, nil
}

// convertYAMLToJSON is utils.ConvertYAMLToJSON: text whose first non-blank
// character is '{' is taken as JSON as it is; anything else is YAML.
func convertYAMLToJSON(s string) (string, error) {
	if t := strings.TrimSpace(s); t != "" && t[0] == '{' {
		return s, nil
	}
	j, err := yaml.YAMLToJSON([]byte(s))
	if err != nil {
		return s, err
	}
	return string(j), nil
}

// funcMap is Argo CD's: sprig's generic functions without env, expandenv and
// getHostByName, plus normalize, slugify, toYaml, fromYaml and fromYamlArray.
var funcMap = func() template.FuncMap {
	m := sprig.GenericFuncMap()
	delete(m, "env")
	delete(m, "expandenv")
	delete(m, "getHostByName")
	m["normalize"] = sanitizeName
	m["slugify"] = slugifyName
	m["toYaml"] = toYAML
	m["fromYaml"] = fromYAML
	m["fromYamlArray"] = fromYAMLArray
	return template.FuncMap(m)
}()

// replaceString is Render.Replace for goTemplate: a template named "base"
// with funcMap and the goTemplateOptions, executed on the parameters.
func replaceString(tmpl string, params map[string]any, options []string) (out string, err error) {
	defer func() {
		// text/template's Option panics on an unknown option.
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	t := template.New("base").Funcs(funcMap)
	for _, o := range options {
		t = t.Option(o)
	}
	parsed, err := t.Parse(tmpl)
	if err != nil {
		return "", fmt.Errorf("failed to parse template %s: %w", tmpl, err)
	}
	var buf bytes.Buffer
	if err := parsed.Execute(&buf, params); err != nil {
		return "", fmt.Errorf("failed to execute go template %s: %w", tmpl, err)
	}
	return buf.String(), nil
}

// renderTemplatePatch renders templatePatch with the element's parameters and
// applies it (template.renderTemplatePatch and applyTemplatePatch): YAML to
// JSON, a check that it decodes as an Application, then a strategic merge
// patch onto the rendered Application with Application's patch metadata. A
// null in the patch deletes the key. spec.project cannot be patched.
func renderTemplatePatch(app *argov1alpha1.Application, patch string, params map[string]any, options []string) (*argov1alpha1.Application, error) {
	rendered, err := replaceString(patch, params, options)
	if err != nil {
		return nil, fmt.Errorf("error replacing values in templatePatch: %w", err)
	}

	appJSON, err := json.Marshal(app)
	if err != nil {
		return nil, fmt.Errorf("error while marhsalling Application %w", err)
	}
	patchJSON, err := convertYAMLToJSON(rendered)
	if err != nil {
		return nil, fmt.Errorf("error while converting template to json %q: %w", patchJSON, err)
	}
	if err := json.Unmarshal([]byte(patchJSON), &argov1alpha1.Application{}); err != nil {
		return nil, fmt.Errorf("invalid templatePatch %q: %w", patchJSON, err)
	}
	merged, err := strategicpatch.StrategicMergePatch(appJSON, []byte(patchJSON), argov1alpha1.Application{})
	if err != nil {
		return nil, fmt.Errorf("error while applying templatePatch template to json %q: %w", patchJSON, err)
	}
	final := argov1alpha1.Application{}
	if err := json.Unmarshal(merged, &final); err != nil {
		return nil, fmt.Errorf("error while unmarhsalling patched application: %w", err)
	}
	final.Spec.Project = app.Spec.Project
	return &final, nil
}

var invalidDNSNameChars = regexp.MustCompile("[^-a-z0-9.]")

// sanitizeName is the template function normalize: lower case, anything but
// [-a-z0-9.] becomes '-', at most 253 bytes, no leading or trailing '-' or '.'.
func sanitizeName(name string) string {
	name = invalidDNSNameChars.ReplaceAllString(strings.ToLower(name), "-")
	if len(name) > 253 {
		name = name[:253]
	}
	return strings.Trim(name, "-.")
}

// slugifyName is the template function slugify: slugify NAME,
// slugify MAXLEN NAME or slugify MAXLEN SMARTTRUNCATE NAME (defaults 50, true);
// the name is normalized first. Wrong argument types panic, which
// text/template reports as an error of the call.
func slugifyName(args ...any) string {
	maxLen, smart, name := 50, true, ""
	for i, a := range args {
		switch {
		case i == len(args)-1:
			name = a.(string)
		case i == 0:
			maxLen = a.(int)
		case i == 1:
			smart = a.(bool)
		}
	}
	slug.EnableSmartTruncate = smart
	slug.MaxLength = maxLen
	return slug.Make(sanitizeName(name))
}

// toYAML marshals to YAML without the final newline.
func toYAML(v any) (string, error) {
	b, err := yaml.Marshal(v)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

func fromYAML(s string) (map[string]any, error) {
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return m, nil
}

func fromYAMLArray(s string) ([]any, error) {
	a := []any{}
	if err := yaml.Unmarshal([]byte(s), &a); err != nil {
		return nil, err
	}
	return a, nil
}
