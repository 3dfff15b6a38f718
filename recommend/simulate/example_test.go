package simulate_test

import (
	"fmt"
	"log"

	"github.com/duxin-ai/duxin/recommend/simulate"
)

// A behavior log of simulated wallet users over the sample knowledge
// base, to train and test a recommender without real data. The same
// seed gives the same log.
func ExampleGenerate() {
	faqs, err := simulate.SampleFAQs()
	if err != nil {
		log.Fatal(err)
	}
	a, err := simulate.Generate(simulate.Config{Users: 50, Seed: 1, FAQs: faqs})
	if err != nil {
		log.Fatal(err)
	}
	b, err := simulate.Generate(simulate.Config{Users: 50, Seed: 1, FAQs: faqs})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(a.Events) > len(a.Asks), len(a.Asks) > 0, len(a.Events) == len(b.Events))
	// Output: true true true
}
