// test_backoff.cc: the pure reconnect schedule (pf_backoff).
#include <gtest/gtest.h>

#include <set>

extern "C" {
#include "fake_host.h"
#include "pf_backoff.h"
}

namespace {

class BackoffTest : public ::testing::Test {
  protected:
    void SetUp() override { fake_host_reset(); }
    void TearDown() override { fake_host_reset(); }
};

TEST_F(BackoffTest, ZeroOptionsGetDefaults)
{
    pf_backoff_opts o = pf_backoff_opts_resolve(nullptr);
    EXPECT_EQ(o.min_ms, PF_BACKOFF_DEFAULT_MIN_MS);
    EXPECT_EQ(o.base_ms, PF_BACKOFF_DEFAULT_BASE_MS);
    EXPECT_EQ(o.cap_ms, PF_BACKOFF_DEFAULT_CAP_MS);
    EXPECT_EQ(o.factor, PF_BACKOFF_DEFAULT_FACTOR);
    EXPECT_EQ(o.reset_after_ms, PF_BACKOFF_DEFAULT_RESET_AFTER_MS);
    pf_backoff_opts in = {};
    in.min_ms = 50000; // above the cap: lowered to it
    o = pf_backoff_opts_resolve(&in);
    EXPECT_EQ(o.min_ms, o.cap_ms);
}

TEST_F(BackoffTest, CeilingDoublesUpToTheCap)
{
    pf_backoff_opts o = pf_backoff_opts_resolve(nullptr);
    const double want[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
    for (unsigned n = 0; n < 7; n++)
        EXPECT_EQ(pf_backoff_ceiling(&o, n), want[n]) << "attempt " << n;
    EXPECT_EQ(pf_backoff_ceiling(&o, 4000000000u), 30000); // no overflow, no spin
}

TEST_F(BackoffTest, DelayIsFullJitterBetweenMinAndCeiling)
{
    pf_backoff_opts o = pf_backoff_opts_resolve(nullptr);
    EXPECT_EQ(pf_backoff_delay(&o, 0, 0), o.min_ms);
    EXPECT_LT(pf_backoff_delay(&o, 0, 0xffffffffu), 1000.0);
    EXPECT_GT(pf_backoff_delay(&o, 0, 0xffffffffu), 999.0);
    EXPECT_NEAR(pf_backoff_delay(&o, 3, 0x80000000u), 250 + (8000 - 250) / 2.0, 1e-6);
}

TEST_F(BackoffTest, EveryDrawStaysInBoundsAndIsFreshPerAttempt)
{
    pf_backoff b;
    pf_backoff_init(&b, nullptr);
    fake_host_seed(12345);
    for (int round = 0; round < 200; round++) {
        pf_backoff_reset(&b);
        std::set<double> seen;
        for (unsigned n = 0; n < 12; n++) {
            double ceiling = pf_backoff_ceiling(&b.opts, n);
            double d = pf_backoff_next(&b);
            ASSERT_GE(d, 0.0);
            ASSERT_GE(d, b.opts.min_ms);
            ASSERT_LE(d, ceiling);
            ASSERT_LE(d, b.opts.cap_ms);
            seen.insert(d);
        }
        EXPECT_GT(seen.size(), 8u); // a fresh draw each attempt, not one per schedule
        EXPECT_EQ(b.attempt, 12u);
    }
}

TEST_F(BackoffTest, EachAttemptDrawsANewRandomNumber)
{
    pf_backoff b;
    pf_backoff_init(&b, nullptr);
    fake_host_fix_random(0);
    EXPECT_EQ(pf_backoff_next(&b), 250.0);
    fake_host_fix_random(0xffffffffLL);
    EXPECT_GT(pf_backoff_next(&b), 1999.0); // attempt 1, top of [250, 2000]
}

TEST_F(BackoffTest, ResetsOnlyAfterMinimumUptime)
{
    pf_backoff b;
    pf_backoff_init(&b, nullptr);
    pf_backoff_next(&b);
    pf_backoff_next(&b);
    pf_backoff_next(&b);
    pf_backoff_opened(&b, 1000);
    EXPECT_EQ(pf_backoff_closed(&b, 1000 + 4999), 0);
    EXPECT_EQ(b.attempt, 3u);
    pf_backoff_opened(&b, 10000);
    EXPECT_EQ(pf_backoff_closed(&b, 15000), 1);
    EXPECT_EQ(b.attempt, 0u);
    EXPECT_EQ(pf_backoff_closed(&b, 99999), 0); // closed without an open
}

TEST_F(BackoffTest, LongDelayHasAFloorAndJitter)
{
    pf_backoff b;
    pf_backoff_init(&b, nullptr);
    fake_host_seed(7);
    for (int i = 0; i < 100; i++) {
        unsigned n = b.attempt;
        double ceiling = pf_backoff_ceiling(&b.opts, n);
        double d = pf_backoff_next_long(&b, 15000);
        EXPECT_GE(d, 15000.0);
        EXPECT_LE(d, 15000.0 + ceiling);
    }
}

} // namespace
