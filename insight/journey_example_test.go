package insight_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/duxin-ai/duxin/insight"
)

// The service journey of a small log: one visit self-served from a
// suggestion, one handed to a person after an unanswered search.
func ExampleReadJourney() {
	const events = `{"user":"u1","time":1740794400,"type":"helpcenter.open","attrs":{"from":"huabei"}}
{"user":"u1","time":1740794401,"type":"feedback","question":"huabei-repay","attrs":{"kind":"impression"}}
{"user":"u1","time":1740794410,"type":"feedback","question":"huabei-repay","attrs":{"kind":"click"}}
{"user":"u1","time":1740794410,"type":"ask","question":"huabei-repay","attrs":{"via":"suggestion"}}
{"user":"u2","time":1740794500,"type":"search","text":"数字人民币怎么开通","attrs":{"answered":"false"}}
{"user":"u2","time":1740794520,"type":"handoff","attrs":{"reason":"unanswered"}}
`
	r, err := insight.ReadJourney(context.Background(), strings.NewReader(events), "events.jsonl", insight.JourneyOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("visits %d, self-served %d, handed off %d, self-service rate %.2f\n", r.Visits, r.SelfServed, r.HandedOff, *r.SelfServiceRate)
	fmt.Printf("CTR %.2f, searches answered %.2f, reasons %v\n", *r.Suggestions.CTR, *r.Search.AnsweredRate, r.HandoffReasons)
	// Output:
	// visits 2, self-served 1, handed off 1, self-service rate 0.50
	// CTR 1.00, searches answered 0.00, reasons map[unanswered:1]
}
