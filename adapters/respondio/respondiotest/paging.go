package respondiotest

import (
	"net/http"
	"sort"
	"strconv"
)

// paging is a list request's limit and cursor.
type paging struct {
	limit int
	after int64 // cursorId: the ID of the last item before the page; 0 for the start
}

// readPaging reads limit (1–100, default Options.PageSize) and cursorId
// (an integer) from the query [S R-SDK common.ts].
func (s *Simulator) readPaging(w http.ResponseWriter, r *http.Request) (paging, bool) {
	q := r.URL.Query()
	p := paging{limit: s.opts.PageSize}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			writeError(w, http.StatusBadRequest, "limit must be a number between 1 and 100")
			return p, false
		}
		p.limit = n
	}
	if v := q.Get("cursorId"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "cursorId must be a positive integer")
			return p, false
		}
		p.after = n
	}
	return p, true
}

// pageOf returns the IDs of the page (at most p.limit IDs after p.after that
// keep accepts, from ids in ascending order), and the pagination URLs.
func pageOf(r *http.Request, ids []int64, p paging, keep func(int64) bool) ([]int64, wirePagination) {
	if keep == nil {
		keep = func(int64) bool { return true }
	}
	start := sort.Search(len(ids), func(i int) bool { return ids[i] > p.after })
	var items []int64
	i := start
	for ; i < len(ids) && len(items) < p.limit; i++ {
		if keep(ids[i]) {
			items = append(items, ids[i])
		}
	}
	var pg wirePagination
	for ; i < len(ids); i++ {
		if keep(ids[i]) {
			pg.Next = pageURL(r, p.limit, items[len(items)-1], true)
			break
		}
	}
	// The page before: the limit kept items before start; its cursor is the
	// kept item before those, or none for the first page.
	n, j := 0, start-1
	for ; j >= 0 && n < p.limit; j-- {
		if keep(ids[j]) {
			n++
		}
	}
	if n > 0 {
		pg.Previous = pageURL(r, p.limit, 0, false)
		for ; j >= 0; j-- {
			if keep(ids[j]) {
				pg.Previous = pageURL(r, p.limit, ids[j], true)
				break
			}
		}
	}
	return items, pg
}

// pageURL is the full URL of a page of the list r asked for, as respond.io
// writes pagination.next and .previous.
func pageURL(r *http.Request, limit int, cursor int64, withCursor bool) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := scheme + "://" + r.Host + r.URL.EscapedPath() + "?limit=" + strconv.Itoa(limit)
	if withCursor {
		u += "&cursorId=" + itoa(cursor)
	}
	return u
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
