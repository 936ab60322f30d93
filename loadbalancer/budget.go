package loadbalancer

import (
	"sync"
	"time"
)

// BudgetSettings configures a retry [Budget]. The zero value is ready to use.
type BudgetSettings struct {
	// Ratio is how many retries are allowed per request, over the TTL.
	// Zero means 0.2: retries add at most 20% to the load.
	Ratio float64
	// MinPerSecond is a floor of retries per second allowed whatever the
	// traffic, so that a quiet client can still retry. Zero means 10;
	// negative means none.
	MinPerSecond float64
	// TTL is the window over which requests and retries are counted.
	// Zero means 10s.
	TTL time.Duration
}

// Budget bounds retries to a share of requests, as in Finagle's retry
// budgets: each request deposits Ratio of a retry, each retry withdraws one,
// over a sliding TTL window, plus a floor of MinPerSecond. Unlike a bound on
// attempts per request, a budget keeps a failing backend from receiving
// 1+MaxAttempts-1 times its load from every client: retries stay at most
// about Ratio of the traffic.
//
// A Budget is safe for concurrent use; share one per client (per downstream
// service). Methods ending in At take the current time explicitly; the others
// are shorthand for calling them with time.Now().
type Budget struct {
	s BudgetSettings

	mu      sync.Mutex // guards buckets, head
	buckets [budgetBuckets]budgetBucket
	head    int64 // index of the current bucket's period: now / (TTL/budgetBuckets)
}

const budgetBuckets = 10

type budgetBucket struct {
	deposits, withdrawals float64
}

// NewBudget returns a Budget.
func NewBudget(s BudgetSettings) *Budget {
	if s.Ratio <= 0 {
		s.Ratio = 0.2
	}
	if s.MinPerSecond == 0 {
		s.MinPerSecond = 10
	}
	if s.MinPerSecond < 0 {
		s.MinPerSecond = 0
	}
	if s.TTL <= 0 {
		s.TTL = 10 * time.Second
	}
	return &Budget{s: s}
}

// advance moves the window to now, clearing buckets that fell out of it.
// The caller holds b.mu.
func (b *Budget) advance(now time.Time) *budgetBucket {
	period := now.UnixNano() / int64(b.s.TTL/budgetBuckets)
	if period > b.head {
		steps := min(period-b.head, budgetBuckets)
		for i := int64(1); i <= steps; i++ {
			b.buckets[(b.head+i)%budgetBuckets] = budgetBucket{}
		}
		b.head = period
	}
	return &b.buckets[b.head%budgetBuckets]
}

// DepositAt records a request at now.
func (b *Budget) DepositAt(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(now).deposits++
}

// Deposit is shorthand for DepositAt(time.Now()).
func (b *Budget) Deposit() { b.DepositAt(time.Now()) }

// TryWithdrawAt reports whether a retry is allowed at now, and if so counts it.
func (b *Budget) TryWithdrawAt(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur := b.advance(now)
	var deposits, withdrawals float64
	for _, bk := range b.buckets {
		deposits += bk.deposits
		withdrawals += bk.withdrawals
	}
	allowed := b.s.MinPerSecond*b.s.TTL.Seconds() + b.s.Ratio*deposits
	if withdrawals+1 > allowed {
		return false
	}
	cur.withdrawals++
	return true
}

// TryWithdraw is shorthand for TryWithdrawAt(time.Now()).
func (b *Budget) TryWithdraw() bool { return b.TryWithdrawAt(time.Now()) }
