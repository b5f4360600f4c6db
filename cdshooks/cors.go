package cdshooks

import "net/http"

// corsMaxAge is how long, in seconds, a browser may keep a preflight's
// answer.
const corsMaxAge = "600"

// allowedOrigin reports whether a browser page of origin may read the
// answer of path: discovery, from any origin; the service and its
// feedback endpoint, from the origins the trust file lists for its
// clients, or from any origin when it lists none or there is no trust
// file. The service needs no cookie and allows no credentials: the
// client's JWT, not its origin, is what authenticates a call.
func (s *Service) allowedOrigin(path, origin string) bool {
	if path == "/cds-services" || s.trust == nil || s.trust.anyOrigin {
		return true
	}
	return s.trust.origins[origin]
}

// cors adds the CORS headers of an allowed origin to any answer.
func (s *Service) cors(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	if !s.allowedOrigin(r.URL.Path, origin) {
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
}

// preflight answers a CORS preflight (OPTIONS) of a route offering
// methods: 204 with the methods and the Authorization and Content-Type
// headers allowed, for an allowed origin; 204 without them otherwise, so
// that the browser refuses the call.
func (s *Service) preflight(methods string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Allow", methods)
		if r.Header.Get("Origin") != "" && s.allowedOrigin(r.URL.Path, r.Header.Get("Origin")) {
			h.Set("Access-Control-Allow-Methods", methods)
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", corsMaxAge)
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
