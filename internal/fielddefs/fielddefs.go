// Package fielddefs has one job: it caches a workspace's custom-field
// definitions for an adapter and filters the custom fields of its writes by
// them.
//
// The definitions are read once, when a custom field is first written;
// concurrent callers share one read, each waiting with its own context. A
// failed read is not kept. A read the vendor answers 404, 403 or 405 (not on
// the plan) is kept as "cannot tell": custom fields are then sent unchecked,
// for the vendor to judge. When the vendor refuses a field the definitions
// allowed (they changed meanwhile), they are read again, at most once per
// Cache, and the write is sent once more if they leave out a field that was
// sent. Only the read, the check of one field and the recognition of a
// refused field are the vendor's (Source).
package fielddefs

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"slices"

	"github.com/deskbridge/deskbridge/support"
)

// Source is what a Cache needs from its adapter.
type Source[D any] struct {
	// Vendor names the adapter in errors and in the log ("tidio").
	Vendor string
	// What names the definitions in the log ("contact property definitions").
	What string
	// Logger gets a Debug record when the vendor does not serve the
	// definitions; nil logs nothing.
	Logger *slog.Logger
	// Read reads every definition of the workspace.
	Read func(ctx context.Context, op support.Operation) (D, error)
	// Check returns why the custom field name, set to value (nil clears it),
	// cannot be sent by defs, or "" when it can.
	Check func(defs D, name string, value *string) string
	// Refused reports whether err, the answer to a write, is the vendor
	// refusing a custom field (the write did not take effect).
	Refused func(err error) bool
}

// Cache holds one Driver's definitions. It is safe for concurrent use.
type Cache[D any] struct {
	src Source[D]
	// sem, of capacity 1, is held while the cache is read or changed, so
	// that concurrent callers share one read and wait with their context.
	sem    chan struct{}
	cur    *snapshot[D] // nil until read
	reread bool         // the one re-read is spent
}

// snapshot is one read of the definitions; known is false when the vendor
// did not serve them.
type snapshot[D any] struct {
	defs  D
	known bool
}

// New returns an empty Cache over src.
func New[D any](src Source[D]) *Cache[D] {
	return &Cache[D]{src: src, sem: make(chan struct{}, 1)}
}

// Value is the type of a custom field's value in a write: a string, or a
// *string where nil clears the field.
type Value interface{ string | *string }

// get returns the definitions, read unless cached. With stale (definitions
// the vendor contradicted) it returns fresher ones: those another call read
// since, or a new read, once per Cache; nil when there are none to be had
// (they cannot be known, the re-read is spent, or it failed).
func (c *Cache[D]) get(ctx context.Context, op support.Operation, stale *snapshot[D]) (*snapshot[D], error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, &support.Error{Vendor: c.src.Vendor, Op: op, Err: ctx.Err()}
	}
	defer func() { <-c.sem }()
	if c.cur != nil && c.cur != stale {
		return c.cur, nil
	}
	if stale != nil {
		if c.reread || !stale.known {
			return nil, nil
		}
		c.reread = true
	}
	defs, err := c.src.Read(ctx, op)
	var se *support.Error
	if errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusForbidden || se.Status == http.StatusMethodNotAllowed) {
		if c.src.Logger != nil {
			c.src.Logger.LogAttrs(ctx, slog.LevelDebug, c.src.Vendor+": "+c.src.What+" not available; custom fields are sent unchecked",
				slog.String("op", string(op)), slog.Int("status", se.Status))
		}
		c.cur = &snapshot[D]{}
		return c.cur, nil
	}
	if err != nil {
		if stale != nil {
			return nil, nil
		}
		return nil, err
	}
	c.cur = &snapshot[D]{defs: defs, known: true}
	return c.cur, nil
}

// Split divides the custom fields of one record into those to send and
// warnings on the others, reading the definitions first unless fields is
// empty.
func Split[D any, V Value](ctx context.Context, c *Cache[D], op support.Operation, fields map[string]V) (map[string]V, []support.Warning, error) {
	if len(fields) == 0 {
		return fields, nil, nil
	}
	s, err := c.get(ctx, op, nil)
	if err != nil {
		return nil, nil, err
	}
	keep, ws := split(c, s, fields)
	return keep, ws, nil
}

// Write sends a write (send) of records whose custom fields are fields,
// each filtered by the definitions (read first when a record has custom
// fields), and returns the warnings on the fields each record leaves out.
// When the vendor refuses a field all the same, the definitions are read
// again and the write is sent once more if they leave out a field that was
// sent.
func Write[D any, V Value](ctx context.Context, c *Cache[D], op support.Operation, fields []map[string]V,
	send func(keep []map[string]V) error) ([][]support.Warning, error) {
	var s *snapshot[D]
	if slices.ContainsFunc(fields, func(f map[string]V) bool { return len(f) > 0 }) {
		var err error
		if s, err = c.get(ctx, op, nil); err != nil {
			return nil, err
		}
	}
	keep := make([]map[string]V, len(fields))
	ws := make([][]support.Warning, len(fields))
	for again := false; ; again = true {
		sentAny := false
		for i, f := range fields {
			keep[i], ws[i] = split(c, s, f)
			sentAny = sentAny || len(keep[i]) > 0
		}
		err := send(keep)
		if err == nil || again || !sentAny || !c.src.Refused(err) {
			return ws, err
		}
		fresh, _ := c.get(ctx, op, s)
		if fresh == nil || !slices.ContainsFunc(keep, func(k map[string]V) bool {
			_, dropped := split(c, fresh, k)
			return len(dropped) > 0
		}) {
			return ws, err // the fresh definitions allow what was refused
		}
		s = fresh
	}
}

// split divides fields by s (all are kept when s cannot tell).
func split[D any, V Value](c *Cache[D], s *snapshot[D], fields map[string]V) (map[string]V, []support.Warning) {
	if s == nil || !s.known || len(fields) == 0 {
		return fields, nil
	}
	keep := make(map[string]V, len(fields))
	var ws []support.Warning
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if msg := c.src.Check(s.defs, name, ptr(fields[name])); msg != "" {
			ws = append(ws, support.Warning{Field: "custom_fields." + name, Message: msg})
			continue
		}
		keep[name] = fields[name]
	}
	return keep, ws
}

// ptr returns v as a *string.
func ptr[V Value](v V) *string {
	switch v := any(v).(type) {
	case string:
		return &v
	case *string:
		return v
	}
	return nil
}
