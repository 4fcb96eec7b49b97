package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/deskbridge/deskbridge/ratelimit/redislimit"
	"github.com/deskbridge/deskbridge/support"
)

// defaultCheckTimeout bounds the check of one account (one request, sent
// once), unless app.checkTimeout says otherwise.
const defaultCheckTimeout = 15 * time.Second

// slowCheck is how long a check waits for its answer before it says, on
// stderr, what it is waiting for.
const slowCheck = 2 * time.Second

// The results of checking an account.
const (
	checkOK            = "ok"
	checkBusy          = "busy" // rate limited: it answered, the credentials were not verified
	checkRefused       = "refused"
	checkUnreachable   = "unreachable"
	checkFailed        = "failed"
	checkMisconfigured = "misconfigured"
)

// checkResult is what checking one account found.
type checkResult struct {
	status string // checkOK, ...
	detail string // for people
	err    error  // nil when status is checkOK or checkBusy
}

// probeAccount sends ac one cheap authenticated read (a contact list of
// one), once, within the check timeout, and says what came of it. A host
// that does not answer within the timeout is unreachable, as one that
// refuses the connection; one that has not answered within slowCheck is
// said to be waited for, on stderr.
func (a *app) probeAccount(ctx context.Context, ac *account) checkResult {
	timeout := cmp.Or(a.checkTimeout, defaultCheckTimeout)
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stop := a.sayWhenSlow(ac)
	_, err := ac.probe.ListContacts(cctx, support.ContactListOptions{ListOptions: support.ListOptions{Limit: 1}})
	stop()
	// The check's own deadline, not the caller's: the host did not answer.
	timedOut := err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded)
	var se *support.Error
	switch {
	case err == nil:
		where := ac.baseURL
		if where == "" {
			where = "the vendor's API"
		}
		return checkResult{status: checkOK, detail: where}
	case ctx.Err() != nil:
		return checkResult{status: checkFailed, detail: "interrupted", err: ctx.Err()}
	case errors.Is(err, support.ErrUnauthorized), errors.Is(err, support.ErrForbidden):
		return checkResult{status: checkRefused, detail: "check " + ac.secrets(), err: ac.refused(err)}
	case errors.Is(err, support.ErrRateLimited):
		return checkResult{status: checkBusy, detail: "rate limited right now, the credentials are not verified: " + err.Error()}
	case timedOut, errors.As(err, &se) && se.Status == 0 && errors.Is(err, support.ErrUnavailable):
		msg := "cannot reach " + unreachable(err, ac)
		if timedOut {
			msg = fmt.Sprintf("cannot reach %s: no answer within %s", ac.host(), timeout)
		}
		if l := ac.label("baseURL"); l != "" {
			msg += " (check " + l + ")"
		}
		return checkResult{status: checkUnreachable, detail: msg,
			err: &configError{&explained{msg: ac.title + ": " + msg, err: err}}}
	default:
		return checkResult{status: checkFailed, detail: err.Error(), err: fmt.Errorf("%s: the check failed: %w", ac.title, err)}
	}
}

// sayWhenSlow prints one line on stderr if ac's check has not answered
// within slowCheck (as timed by app.after), "deskbridge: waiting for Tidio
// at api.tidio.com…", so that a host that does not answer is not a blank
// screen. The returned func ends the watch; once it returns, nothing more
// is printed.
func (a *app) sayWhenSlow(ac *account) (stop func()) {
	after := a.after
	if after == nil {
		after = time.After
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-after(slowCheck):
			a.noteLine(fmt.Sprintf("deskbridge: waiting for %s at %s…", ac.title, ac.host()))
		case <-done:
		}
	}()
	return func() {
		close(done)
		<-exited
	}
}

// unreachable says which host did not answer, and how: "127.0.0.1:1:
// connection refused".
func unreachable(err error, ac *account) string {
	host := ac.host()
	var (
		dns *net.DNSError
		op  *net.OpError
		sc  *os.SyscallError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return host + ": no answer in time"
	case errors.As(err, &dns):
		return dns.Name + ": " + dns.Err
	case errors.As(err, &op):
		if op.Addr != nil {
			host = op.Addr.String()
		}
		if errors.As(op.Err, &sc) {
			return host + ": " + sc.Err.Error()
		}
		return host + ": " + op.Err.Error()
	default:
		return host + ": " + err.Error()
	}
}

// checkAccount sends ac one cheap authenticated read, once, so that a
// migration fails at once with a clear line, before anything is written,
// when an account is wrong: refused credentials are a configError naming
// what to check, an unreachable host ("cannot reach 127.0.0.1:1:
// connection refused") a configError too. A vendor that is only busy (rate
// limited) passes.
func (a *app) checkAccount(ctx context.Context, ac *account) error {
	return a.probeAccount(ctx, ac).err
}

func runCheck(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("check", `
Usage: deskbridge check [--config FILE] [--redis-url URL] [--from ACCOUNT] [--to ACCOUNT] [ACCOUNT...]

Checks accounts with one cheap authenticated read each (a list of one
contact), sent once, and prints per account: ok; refused (and which
variables or config file keys to check); unreachable (the host and the
error, or no answer within `+defaultCheckTimeout.String()+`); or misconfigured (what is missing). A
check that has not answered within `+slowCheck.String()+` says on stderr what it waits for.

An ACCOUNT is a vendor (`+vendorNames()+`), with credentials
from the environment, or an account of the config file.
Without accounts, it checks every account configured: those of the config
file, and every vendor with one of its variables set.

With --redis-url (or $DESKBRIDGE_REDIS_URL), it also checks that the Redis
of the shared rate limits answers (one PING), and the accounts' reads go
through it.

'deskbridge migrate' makes the same checks of --from, --to and the Redis
before it starts.

Exit codes: 0 every account is ok; 1 a check failed otherwise (a vendor
error); 2 an account is misconfigured, refused or unreachable.`)
	a.configFlag(fs)
	from := fs.String("from", "", "check `ACCOUNT` (as migrate's --from)")
	to := fs.String("to", "", "check `ACCOUNT` (as migrate's --to)")
	shared := a.redisFlags(fs, false)
	if err := parse(fs, args, true); err != nil {
		return err
	}
	closeRedis, redisErr := a.openRedis(ctx, shared)
	var ue *usageError
	if errors.As(redisErr, &ue) {
		return redisErr
	}
	if redisErr == nil {
		defer closeRedis()
	}
	// Each account is named by its flag (from, to), or "" for an argument.
	type named struct{ name, flag string }
	var names []named
	for _, n := range []named{{*from, "from"}, {*to, "to"}} {
		if n.name != "" {
			names = append(names, n)
		}
	}
	for _, n := range fs.Args() {
		names = append(names, named{n, ""})
	}
	if len(names) == 0 {
		configured, err := a.configuredAccounts()
		if err != nil {
			return err
		}
		for _, n := range configured {
			names = append(names, named{n, ""})
		}
	}
	if len(names) == 0 {
		return &configError{fmt.Errorf("no account to check: set a vendor's variables (see 'deskbridge migrate --help') or name accounts in a config file (--config)")}
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	bad, failed := 0, 0
	switch {
	case redisErr != nil:
		// The accounts are checked without it.
		status := checkUnreachable
		if errors.Is(redisErr, redislimit.ErrBadURL) {
			status = checkMisconfigured
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", "shared rate limit (Redis)", status, redisErr)
		bad++
	case a.redisAddr != "":
		fmt.Fprintf(tw, "%s\t%s\t%s\n", "shared rate limit (Redis)", checkOK, a.redisAddr)
	}
	var seen []string
	for _, n := range names {
		if slices.Contains(seen, n.name) {
			continue
		}
		seen = append(seen, n.name)
		title, r := n.name, checkResult{}
		ac, err := a.openAccount(ctx, n.flag, n.name)
		if err != nil {
			var ue *usageError
			if errors.As(err, &ue) {
				r = checkResult{status: checkMisconfigured, detail: strings.TrimPrefix(ue.msg, flagPrefix(n.flag)), err: err}
			} else {
				r = checkResult{status: checkMisconfigured, detail: err.Error(), err: err}
			}
		} else {
			title = ac.title
			r = a.probeAccount(ctx, ac)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", title, r.status, r.detail)
		var ce *configError
		switch {
		case r.err == nil:
		case errors.As(r.err, &ce), r.status == checkMisconfigured:
			bad++
		default:
			failed++
		}
		if ctx.Err() != nil {
			break
		}
	}
	tw.Flush()
	switch {
	case ctx.Err() != nil:
		return errReported
	case bad > 0:
		if redisErr != nil {
			return &configError{errors.New("the shared rate limit cannot be used (see above)")}
		}
		return &configError{fmt.Errorf("%d of %d account%s cannot be used (see above)", bad, len(seen), plural(len(seen)))}
	case failed > 0:
		return fmt.Errorf("the check of %d of %d account%s failed (see above)", failed, len(seen), plural(len(seen)))
	}
	return nil
}

// configuredAccounts lists the accounts configured: the config file's, in
// its order, then each vendor with one of its variables set (unless an
// account of the file has its name).
func (a *app) configuredAccounts() ([]string, error) {
	cf, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	names := cf.names()
	for _, v := range vendors {
		if slices.Contains(names, v.name) {
			continue
		}
		for _, e := range v.env {
			if strings.TrimSpace(a.getenv(e.name)) != "" {
				names = append(names, v.name)
				break
			}
		}
	}
	return names, nil
}
