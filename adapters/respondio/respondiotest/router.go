package respondiotest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// router matches requests against respond.io's routes. http.ServeMux cannot
// hold them: "POST /contact/create_or_update/{identifier}" and
// "POST /contact/{identifier}/message" both match
// /contact/create_or_update/message, which ServeMux refuses as a conflict;
// respond.io's literal segments win, as here. It also answers unknown routes
// and wrong methods in the vendor's error shape, and never cleans a path:
// every segment is percent-decoded once and taken as it is.
type router struct {
	routes []route
	// serve runs a matched route: auth, rate limit, then the handler.
	serve func(w http.ResponseWriter, r *http.Request, rt *route)
}

type route struct {
	method  string
	pattern string   // "GET /v2/contact/{identifier}", the Stats name
	segs    []string // "v2", "contact", "{identifier}"
	handler http.HandlerFunc
}

func (rt *router) handle(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	rt.routes = append(rt.routes, route{
		method: method, pattern: pattern, segs: strings.Split(strings.TrimPrefix(path, "/"), "/"), handler: h,
	})
}

// segments splits the escaped path of r into decoded segments.
func segments(r *http.Request) ([]string, bool) {
	parts := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	for i, p := range parts {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

// match returns the route for r with its path values, or nil and the
// methods that the path allows.
func (rt *router) match(r *http.Request) (*route, map[string]string, []string) {
	parts, ok := segments(r)
	if !ok {
		return nil, nil, nil
	}
	var best *route
	var bestVals map[string]string
	var allowed []string
	for i := range rt.routes {
		c := &rt.routes[i]
		vals, ok := c.matches(parts)
		if !ok {
			continue
		}
		if c.method != r.Method {
			if !slices.Contains(allowed, c.method) {
				allowed = append(allowed, c.method)
			}
			continue
		}
		if best == nil || c.moreSpecific(best) {
			best, bestVals = c, vals
		}
	}
	return best, bestVals, allowed
}

func (c *route) matches(parts []string) (map[string]string, bool) {
	if len(parts) != len(c.segs) {
		return nil, false
	}
	var vals map[string]string
	for i, s := range c.segs {
		if name, ok := wildcard(s); ok {
			if vals == nil {
				vals = map[string]string{}
			}
			vals[name] = parts[i]
			continue
		}
		if s != parts[i] {
			return nil, false
		}
	}
	return vals, true
}

// moreSpecific reports whether c has a literal segment where o has a
// wildcard, at the first position where they differ in kind.
func (c *route) moreSpecific(o *route) bool {
	for i := range c.segs {
		_, cw := wildcard(c.segs[i])
		_, ow := wildcard(o.segs[i])
		if cw != ow {
			return !cw
		}
	}
	return false
}

func wildcard(seg string) (string, bool) {
	if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// Handler returns the handler for r and its route pattern, which is how
// sim.Stats names routes.
func (rt *router) Handler(r *http.Request) (http.Handler, string) {
	c, _, _ := rt.match(r)
	if c == nil {
		return rt, ""
	}
	return rt, c.pattern
}

// ServeHTTP checks the token, then routes r.
func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !auth(r) {
		writeError(w, http.StatusUnauthorized, "Unauthorized: missing or invalid API access token")
		return
	}
	c, vals, allowed := rt.match(r)
	switch {
	case c != nil:
		for k, v := range vals {
			r.SetPathValue(k, v)
		}
		rt.serve(w, r, c)
	case len(allowed) > 0:
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed on this path")
	default:
		writeError(w, http.StatusNotFound, "Route not found")
	}
}
