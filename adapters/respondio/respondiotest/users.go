package respondiotest

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/deskbridge/deskbridge/internal/sim"
)

// userLocked returns the user with id; the caller holds s.mu.
func (s *Simulator) userLocked(id int64) (User, bool) {
	i, ok := slices.BinarySearchFunc(s.users, id, func(u User, id int64) int { return cmpInt(u.ID, id) })
	if !ok {
		return User{}, false
	}
	return s.users[i], true
}

// userByEmailLocked returns the user with email (any case); the caller holds
// s.mu.
func (s *Simulator) userByEmailLocked(email string) (User, bool) {
	for _, u := range s.users {
		if foldEmail(u.Email) == foldEmail(email) {
			return u, true
		}
	}
	return User{}, false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// GET /space/user?limit=&cursorId= [S R-SDK space.ts].
func (s *Simulator) listUsers(w http.ResponseWriter, r *http.Request) {
	p, ok := s.readPaging(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, len(s.users))
	for i, u := range s.users {
		ids[i] = u.ID
	}
	page, pg := pageOf(r, ids, p, nil)
	out := wirePage[wireUser]{Items: []wireUser{}, Pagination: pg}
	for _, id := range page {
		u, _ := s.userLocked(id)
		out.Items = append(out.Items, wireOfUser(u))
	}
	sim.WriteJSON(w, http.StatusOK, out)
}

// GET /space/user/{id}.
func (s *Simulator) getUser(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "the user id must be a number")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.userLocked(id)
	if !ok {
		writeError(w, http.StatusNotFound, "User not found")
		return
	}
	sim.WriteJSON(w, http.StatusOK, wireOfUser(u))
}
