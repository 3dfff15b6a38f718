// Package recommend is duxin's 猜你关心 engine: from what a user just did
// (a transfer to a bank card three minutes ago, a refund applied for
// yesterday, a search for 电子回单), it ranks the knowledge-base questions the
// user most likely came to ask, each with the reasons it was chosen.
package recommend
