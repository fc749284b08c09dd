#!/usr/bin/perl
# The client sequence through Cache::Memcached::Fast (Debian's
# libcache-memcached-fast-perl): one line per step, exit 1 on the first wrong
# result.
#   client.pl HOST:PORT [STEP...]   STEPs are the ones this backend refuses.
use strict;
use warnings;
use Cache::Memcached::Fast;

my ($server, @refused) = @ARGV;
die "usage: client.pl HOST:PORT [REFUSED_STEP...]\n" unless $server;
my %refused = map { $_ => 1 } @refused;
my $p = 'perl_';
$| = 1;

my $mc = Cache::Memcached::Fast->new({
  servers => [$server], connect_timeout => 5, io_timeout => 10,
});

sub fail { print "FAIL $_[0]: $_[1]\n"; exit 1 }
sub ok { print "ok $_[0]: $_[1]\n" }
sub show { defined $_[0] ? "'$_[0]'" : 'undef' }

sub expect_value {
  my ($step, $key, $want) = @_;
  my $got = $mc->get("$p$key");
  fail($step, "get $key = " . show($got) . ", want " . show($want))
    unless (defined $got && defined $want && $got eq $want) || (!defined $got && !defined $want);
}

$mc->set("${p}k1", 'hello') or fail('set', 'k1 not stored');
$mc->set("${p}k2", 'world') or fail('set', 'k2 not stored');
ok('set', 'k1 k2 stored');

expect_value('get', 'k1', 'hello');
expect_value('get', 'missing', undef);
ok('get', 'k1 = hello, missing is a miss');

my $many = $mc->get_multi("${p}k1", "${p}k2", "${p}missing");
fail('multi-get', 'no reply') unless $many;
my $found = join ' ', map { "$_=$many->{$_}" } sort keys %$many;
fail('multi-get', "got {$found}") unless $found eq "${p}k1=hello ${p}k2=world";
ok('multi-get', 'k1 k2 found, missing left out');

$mc->add("${p}k3", 'new') or fail('add', 'new key not stored');
my $r = $mc->add("${p}k1", 'other');
fail('add', 'existing key: want false, got ' . show($r)) unless defined $r && !$r;
ok('add', 'new key stored, existing key not stored');

$mc->replace("${p}k1", 'hi') or fail('replace', 'existing key not replaced');
$r = $mc->replace("${p}missing", 'x');
fail('replace', 'missing key: want false, got ' . show($r)) unless defined $r && !$r;
expect_value('replace', 'k1', 'hi');
ok('replace', 'existing key replaced, missing key not stored');

$mc->append("${p}k1", '!!') or fail('append', 'k1 not appended');
$r = $mc->append("${p}missing", 'x');
fail('append', 'missing key: want false, got ' . show($r)) unless defined $r && !$r;
expect_value('append', 'k1', 'hi!!');
ok('append', 'k1 = hi!!, missing key not stored');

$mc->delete("${p}k3") or fail('delete', 'k3 not deleted');
$r = $mc->delete("${p}k3");
fail('delete', 'again: want false, got ' . show($r)) unless defined $r && !$r;
expect_value('delete', 'k3', undef);
ok('delete', 'k3 deleted, then not found');

$mc->set("${p}n", '10') or fail('incr', 'n not stored');
$r = $mc->incr("${p}n", 5);
fail('incr', 'n + 5 = ' . show($r) . ', want 15') unless defined $r && $r eq '15';
$r = $mc->decr("${p}n", 3);
fail('incr', 'n - 3 = ' . show($r) . ', want 12') unless defined $r && $r eq '12';
$r = $mc->incr("${p}missing", 1);
fail('incr', 'missing key: want false, got ' . show($r)) unless defined $r && !$r;
ok('incr', '10 + 5 = 15, 15 - 3 = 12, missing key not found');

my $held = $mc->gets("${p}k1");
fail('cas', 'gets k1 found nothing') unless $held && $held->[1] eq 'hi!!';
$mc->cas("${p}k1", $held->[0], 'v2') or fail('cas', 'fresh token refused');
$r = $mc->cas("${p}k1", $held->[0], 'v3');
fail('cas', 'stale token: want false, got ' . show($r)) unless defined $r && !$r;
expect_value('cas', 'k1', 'v2');
ok('cas', 'fresh token stored, stale token refused (EXISTS)');

$mc->touch("${p}k1", 100) or fail('touch', 'k1 not touched');
$r = $mc->touch("${p}missing", 100);
fail('touch', 'missing key: want false, got ' . show($r)) unless defined $r && !$r;
ok('touch', 'k1 touched, missing key not found');

# flush_all answers for every server: { 'HOST:PORT' => result }.
$r = $mc->flush_all->{$server};
if ($refused{flush}) {
  fail('flush', 'flush_all succeeded on a backend that refuses it') if $r;
  ok('flush', 'refused as this backend does');
} else {
  fail('flush', 'flush_all failed') unless $r;
  expect_value('flush', 'k1', undef);
  ok('flush', 'k1 gone');
}

my $versions = $mc->server_versions;
my $version = $versions->{$server};
fail('version', 'version of ' . $server . ' = ' . show($version) . ', want 1.6.N')
  unless defined $version && $version =~ /^1\.6\.\d+$/;
ok('version', $version);
