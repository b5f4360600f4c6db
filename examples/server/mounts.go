package main

import (
	"net/http"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/examples/server/web"
)

// mounts returns the routes of the other packages the server serves: the
// CDS Hooks service (package cdshooks), which answers its own errors in
// JSON, and the web page (package web). Both take the engine through
// s.Engine once per request, so a reload reaches them too, and log
// through the server's logger. Each reads its body through capBody, so
// that net/http learns of a body over the limit. A service or feedback
// call not sent as application/json gets 415 from the CDS Hooks service
// itself (cdshooks.WithRequireJSON, with the server's isJSON), not from
// the server's requireJSON: so it carries the service's CORS headers, for
// a browser-based EHR to read it, and is counted and logged as the
// service's other refusals are. The page is wrapped in
// http.CrossOriginProtection: a browser's cross-site POST, as its
// Sec-Fetch-Site or Origin header tells, gets 403, so another site cannot
// post a profile in the user's name.
//
// The page is mounted at exactly "/" ("/{$}"), rather than at the
// catch-all "/", so that any other path gets the server's JSON 404
// instead of the page's plain-text one. (The page has no other paths; a
// future /static/ would be mounted beside it.) The page and the pictures
// answer a wrong method with the server's JSON 405 and Allow, as the JSON
// routes do (see pageMethods, and the method-less pattern beside the
// pictures' GET): without them a POST to a picture fell through to the
// catch-all's 404, and the page answered its 405 in plain text.
func (s *Server) mounts() ([]route, error) {
	page, err := web.New(s.Engine, web.WithLogger(s.log))
	if err != nil {
		return nil, err
	}
	cds := cdshooks.NewService(s.Engine, cdshooks.WithClock(s.now), cdshooks.WithTimeout(s.timeout), cdshooks.WithLogger(s.log),
		cdshooks.WithTrust(s.trust), cdshooks.WithEvents(s.cdsEvent), cdshooks.WithRequireJSON(isJSON))
	return []route{
		{"/cds-services", cds},
		{"POST /cds-services/" + cdshooks.ServiceID, capBody(maxBody, cds)},
		{"POST " + cdshooks.FeedbackPath, capBody(maxBody, cds)},
		{"/cds-services/", cds},
		{"/{$}", pageMethods(http.NewCrossOriginProtection().Handler(capBody(web.MaxFormBytes, page)))},
		{"GET /movements/{file}", http.HandlerFunc(page.ServePicture)},
		{"/movements/{file}", methodNotAllowed("GET, HEAD")},
		{"/", http.HandlerFunc(notFound)},
	}, nil
}

// pageMethods passes GET, HEAD and POST to the page h, and answers any
// other method with the server's JSON 405. The page stays mounted at the
// one pattern "/{$}", which names it in the logs and metrics.
func pageMethods(h http.Handler) http.Handler {
	notAllowed := methodNotAllowed("GET, HEAD, POST")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodPost:
			h.ServeHTTP(w, r)
		default:
			notAllowed.ServeHTTP(w, r)
		}
	})
}
