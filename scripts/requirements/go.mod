// The Go tools the scripts build with `go install` (npm run lint:workflows builds actionlint into
// .tools/actionlint); the version is read from here, where Renovate's gomod manager sees it.
// Nothing imports this module.
module github.com/event-driven-aws-starter/tools

go 1.24

require github.com/rhysd/actionlint v1.7.12
