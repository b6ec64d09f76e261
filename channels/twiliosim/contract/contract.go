// Package contract checks requests against Twilio's published OpenAPI description of REST API
// v2010. The Twilio stand-in takes it as a twiliosim.Checker in tests and tools; it stays out of
// the hotline binary, which never checks its own requests at run time.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Env overrides where the Twilio OpenAPI description is read from.
const Env = "HOTLINE_TWILIO_CONTRACT"

// contractFile is the description's path below a shared folder next to the repository.
const contractFile = "shared/contracts/twilio_api_v2010.json"

// Spec is Twilio's published OpenAPI description of REST API v2010. The stand-in checks every
// request it receives against it. Safe for concurrent use once loaded.
type Spec struct {
	doc    *openapi3.T
	routes []contractRoute
}

type contractRoute struct {
	re    *regexp.Regexp
	names []string
	path  string
	item  *openapi3.PathItem
}

// servedPaths are the API's resources the stand-in serves; Load keeps only these (and
// the schemas they reference), which makes loading the 1.8 MB description several times faster.
var servedPaths = regexp.MustCompile(`/(Messages|Calls|Conferences|Recordings)(/\{[A-Za-z]+\})?(/Participants(/\{[A-Za-z]+\})?)?\.json$`)

// Load reads the OpenAPI description at path.
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("contract: load contract: %w", err)
	}
	data, err = prune(data)
	if err != nil {
		return nil, fmt.Errorf("contract: load contract %s: %w", path, err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("contract: load contract %s: %w", path, err)
	}
	c := &Spec{doc: doc}
	for p, item := range doc.Paths.Map() {
		re, names := templateRegexp(p)
		c.routes = append(c.routes, contractRoute{re: re, names: names, path: p, item: item})
	}
	// Literal segments first: /Calls/{CallSid}/Events.json must not be taken for /Calls/{Sid}.json.
	sort.Slice(c.routes, func(i, j int) bool {
		if a, b := len(c.routes[i].names), len(c.routes[j].names); a != b {
			return a < b
		}
		return c.routes[i].path < c.routes[j].path
	})
	return c, nil
}

// Find locates the description: $HOTLINE_TWILIO_CONTRACT, else shared/contracts/ in the
// working directory or any of its parents (the repository's ../shared). It returns "" and
// fs.ErrNotExist when there is none.
func Find() (string, error) {
	if p := os.Getenv(Env); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("contract: %s=%s: %w", Env, p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, contractFile)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fs.ErrNotExist
		}
		dir = parent
	}
}

// prune keeps the served paths and the component schemas they reach.
func prune(data []byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	var paths map[string]json.RawMessage
	if err := json.Unmarshal(doc["paths"], &paths); err != nil {
		return nil, fmt.Errorf("paths: %w", err)
	}
	var comps map[string]map[string]json.RawMessage
	if err := json.Unmarshal(doc["components"], &comps); err != nil {
		return nil, fmt.Errorf("components: %w", err)
	}
	keep := map[string]json.RawMessage{}
	var todo []json.RawMessage
	for p, item := range paths {
		if servedPaths.MatchString(p) {
			keep[p] = item
			todo = append(todo, item)
		}
	}
	schemas := map[string]json.RawMessage{}
	refRe := regexp.MustCompile(`"#/components/schemas/([^"]+)"`)
	for len(todo) > 0 {
		raw := todo[0]
		todo = todo[1:]
		for _, m := range refRe.FindAllSubmatch(raw, -1) {
			name := string(m[1])
			if _, seen := schemas[name]; seen {
				continue
			}
			if sch, ok := comps["schemas"][name]; ok {
				schemas[name] = sch
				todo = append(todo, sch)
			}
		}
	}
	comps["schemas"] = schemas
	var err error
	if doc["paths"], err = json.Marshal(keep); err != nil {
		return nil, err
	}
	if doc["components"], err = json.Marshal(comps); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

func templateRegexp(tmpl string) (*regexp.Regexp, []string) {
	var b strings.Builder
	var names []string
	b.WriteString("^")
	for rest := tmpl; rest != ""; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		b.WriteString(regexp.QuoteMeta(rest[:i]))
		names = append(names, rest[i+1:i+j])
		b.WriteString("([^/]+?)")
		rest = rest[i+j+1:]
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()), names
}

// Check validates one request (its body already read into body) against the description: the
// operation exists, path and query parameters and the form body match their schemas (required
// names, types, patterns), and every parameter name is one the operation declares. It returns
// one line per problem; none means Twilio would accept the request's shape.
func (c *Spec) Check(r *http.Request, body []byte) []string {
	route, params, ok := c.find(r.URL.Path)
	if !ok {
		return []string{fmt.Sprintf("%s %s: no such path in Twilio's API", r.Method, r.URL.Path)}
	}
	op := route.item.GetOperation(r.Method)
	if op == nil {
		return []string{fmt.Sprintf("%s %s: method not allowed on %s", r.Method, r.URL.Path, route.path)}
	}
	where := r.Method + " " + route.path
	req := r.Clone(context.Background())
	req.Body = readCloser{bytes.NewReader(body)}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route: &routers.Route{
			Spec: c.doc, Path: route.path, PathItem: route.item, Method: r.Method, Operation: op,
		},
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
	var out []string
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		var me openapi3.MultiError
		if errors.As(err, &me) {
			for _, e := range me {
				out = append(out, where+": "+oneLine(e.Error()))
			}
		} else {
			out = append(out, where+": "+oneLine(err.Error()))
		}
	}
	return append(out, unknownNames(where, route.item, op, r.URL.Query(), body)...)
}

func (c *Spec) find(path string) (contractRoute, map[string]string, bool) {
	for _, rt := range c.routes {
		m := rt.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		params := map[string]string{}
		for i, n := range rt.names {
			params[n], _ = url.PathUnescape(m[i+1])
		}
		return rt, params, true
	}
	return contractRoute{}, nil, false
}

// unknownNames reports query and form names the operation does not declare: the schema alone lets
// unknown properties through, and Twilio ignores them silently, which hides typos.
func unknownNames(where string, item *openapi3.PathItem, op *openapi3.Operation, q url.Values, body []byte) []string {
	var out []string
	declared := map[string]bool{}
	for _, p := range append(item.Parameters, op.Parameters...) {
		if p.Value != nil && p.Value.In == "query" {
			declared[p.Value.Name] = true
		}
	}
	for name := range q {
		if !declared[name] {
			out = append(out, fmt.Sprintf("%s: unknown query parameter %q", where, name))
		}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return append(out, fmt.Sprintf("%s: body is not a form: %v", where, err))
	}
	props := formProperties(op)
	for name := range form {
		if _, ok := props[name]; !ok {
			out = append(out, fmt.Sprintf("%s: unknown body parameter %q", where, name))
		}
	}
	sort.Strings(out)
	return out
}

func formProperties(op *openapi3.Operation) openapi3.Schemas {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/x-www-form-urlencoded")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	return mt.Schema.Value.Properties
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
