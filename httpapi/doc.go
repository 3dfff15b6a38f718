// Package httpapi serves duxin over HTTP: an [http.Handler] a host mounts in
// its own mux, with JSON in and out, for knowledge-base search and edits,
// intent classification (with the route and the slots), suggestions,
// behavior events, feedback, health and the versions served.
//
//	api, err := httpapi.New(ix, // a *kb.Index
//		httpapi.WithWriter(ix),
//		httpapi.WithClassifier(model, routes, extractor),
//		httpapi.WithRecommender(engine))
//	if err != nil { ... }
//	mux := http.NewServeMux()
//	mux.Handle("/api/", http.StripPrefix("/api", api))
//
// Only the knowledge base is required; the routes of what is not configured
// are not served (and not described by the OpenAPI document). The routes,
// relative to where the handler is mounted:
//
//	GET    /search?q=&limit=&category=   knowledge-base search
//	GET    /kb/{id}                      one entry
//	POST   /kb                           add or replace an entry (WithWriter)
//	DELETE /kb/{id}                      remove an entry (WithWriter)
//	POST   /classify                     intent, route and slots (WithClassifier)
//	GET    /recommend?user=&limit=       suggestions (WithRecommender)
//	POST   /events                       record behavior events (WithRecommender)
//	POST   /feedback                     record feedback on a suggestion (WithRecommender)
//	GET    /health                       liveness
//	GET    /versions                     the versions served
//	GET    /openapi.json                 the OpenAPI 3 description of these routes
//
// The OpenAPI document ([OpenAPI]) gives every field of every request and
// answer.
//
// # Input
//
// Bodies must be application/json (so that a form on another site cannot
// post to the API), valid UTF-8, one JSON object without unknown fields, and
// at most [Limits].Body bytes; texts at most [Limits].Text characters;
// limits from 1 to [Limits].Results. Field names match exactly, case
// included ({"TEXT": …} is an unknown field, where encoding/json would take
// it for "text"), and a field given twice is refused (encoding/json would
// keep the last). Every violation is a 4xx answer whose error says what is
// wrong, in the client's terms (the field's path, list indexes included, as
// in events[1].time; JSON types):
// 400 for a bad value, 404 for an unknown route, entry or user, 405 (with an
// Allow header) for a wrong method, 408 (and the connection closed) for a
// body that stops arriving before the time budget or the server's read
// timeout ends, 413 for a body over the limit, 415 for another content
// type. A client never causes a 5xx.
//
// # Errors
//
// Every error answer is {"error": "..."}, in English for the client's
// developer, with a "message" for the user (see [Texts]) when there is one.
// A store that fails or does not answer in time while events or feedback
// are recorded or the knowledge base is edited (Redis down or stalled; the
// recommender's store timeout bounds the wait) is 503 with Retry-After
// ([Unavailable]); suggestions are answered degraded instead. A request
// that outlives its time budget ([WithTimeout], 10 seconds by default) or
// whose client went away is 503 too. A failure of the knowledge base or the
// classifier is 500. 5xx answers are logged ([WithLogger]) with their
// cause, which the client does not see. A host hook (see [WithUsers])
// refuses a request with an [*Error].
//
// # Concurrency
//
// A [*Handler] is immutable once New returns and safe for concurrent use; it
// is as safe as the knowledge base, classifier and recommender it serves,
// which must themselves be safe for concurrent use (duxin's are). Each
// request's context carries the time budget; the handler passes it on and
// stops when it is done.
package httpapi
