package console

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// CookieName is the console's session cookie.
const CookieName = "moonbox_console"

// SessionTTL is how long a login lasts.
const SessionTTL = 12 * time.Hour

// maxSessions bounds the sessions kept: past it, the oldest is dropped.
const maxSessions = 1000

// session is one login. Its ID is the cookie; CSRF is the token every
// action must echo in the X-CSRF-Token header: a page of another origin can
// make the browser send the cookie (not with SameSite=Strict, but older
// browsers ignore it), never read the token.
type session struct {
	id      string
	csrf    string
	who     string // a name for the logs: "s-" and a hash of the ID, never the ID
	remote  string
	created time.Time
}

type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
}

func newSessions() *sessions { return &sessions{byID: map[string]*session{}} }

func randomHex() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *sessions) create(remote string) *session {
	id := randomHex()
	h := sha256.Sum256([]byte(id))
	ss := &session{id: id, csrf: randomHex(), who: "s-" + hex.EncodeToString(h[:4]), remote: remote, created: time.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byID) >= maxSessions {
		var oldest *session
		for _, o := range s.byID {
			if oldest == nil || o.created.Before(oldest.created) {
				oldest = o
			}
		}
		delete(s.byID, oldest.id)
	}
	s.byID[id] = ss
	return ss
}

// of is the request's session, if its cookie names a live one.
func (s *sessions) of(r *http.Request) (*session, bool) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.byID[c.Value]
	if ok && time.Since(ss.created) > SessionTTL {
		delete(s.byID, c.Value)
		return nil, false
	}
	return ss, ok
}

func (s *sessions) end(ss *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, ss.id)
}

// cookie is the session's cookie: HttpOnly (scripts never see it),
// SameSite=Strict (no other site's request carries it), Path=/ui, Secure
// when served over TLS.
func (ss *session) cookie(r *http.Request) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: ss.id, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: int(SessionTTL.Seconds())}
}

// csrfOK checks an action's CSRF token, and its Origin if the browser sent
// one.
func (ss *session) csrfOK(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" && !sameOrigin(r, o) {
		return false
	}
	got := r.Header.Get("X-CSRF-Token")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ss.csrf)) == 1
}

func sameOrigin(r *http.Request, origin string) bool {
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return origin == scheme+r.Host
}
