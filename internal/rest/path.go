package rest

import "strings"

// Path is a request path made of escaped segments. Build it with Segments;
// identifiers never go into a path any other way.
type Path struct {
	escaped string
	// empty records an empty segment: "/contacts/" + "" would address the
	// collection instead of one contact, so Do refuses such a path.
	empty bool
}

// Segments builds a Path from segments, escaping each as exactly one path
// segment: '/', '?', '#', '%', spaces, controls, non-ASCII and every other
// reserved character are percent-encoded; unreserved characters and ':', '@'
// and '+' stay literal (as respond.io's "email:a+b@x.com" identifiers expect);
// a segment that is "." or ".." becomes "%2E" or "%2E%2E", so that no
// client, proxy or server normalizes it away as a dot-segment.
func Segments(segs ...string) Path {
	var p Path
	n := 0
	for _, s := range segs {
		n += 1 + len(s)
	}
	var b strings.Builder
	b.Grow(n)
	for _, s := range segs {
		b.WriteByte('/')
		if s == "" {
			p.empty = true
		}
		writeSegment(&b, s)
	}
	p.escaped = b.String()
	return p
}

// String returns the escaped path, such as "/contacts/a%2Fb".
func (p Path) String() string { return p.escaped }

// escapeSegment returns s escaped as one path segment.
func escapeSegment(s string) string {
	var b strings.Builder
	writeSegment(&b, s)
	return b.String()
}

func writeSegment(b *strings.Builder, s string) {
	switch s {
	case ".":
		b.WriteString("%2E")
		return
	case "..":
		b.WriteString("%2E%2E")
		return
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if literalInSegment(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

// literalInSegment reports whether c may appear unescaped in a segment: the
// RFC 3986 unreserved set plus ':', '@' and '+', all of which net/url keeps
// as they are (so the escaping survives url.Parse and String untouched).
func literalInSegment(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', ':', '@', '+':
		return true
	}
	return false
}
