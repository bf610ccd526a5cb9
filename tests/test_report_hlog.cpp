#include "catch.hpp"
#include "test_support.hpp"

#include <loadkit/detail/report/hlog/codec.hpp>
#include <loadkit/detail/report/hlog/histogram.hpp>
#include <loadkit/detail/report/hlog/inflate.hpp>
#include <loadkit/detail/report/hlog/text.hpp>
#include <loadkit/recorder.hpp>
#include <loadkit/report/hlog.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;

namespace {

using bytes = loadkit::detail::hlog_bytes;

bytes zigzag_bytes(std::int64_t v) {
    bytes out;
    loadkit::detail::put_zigzag(out, v);
    return out;
}

std::string b64(std::string_view s) {
    std::string out;
    loadkit::detail::base64_encode(reinterpret_cast<const std::uint8_t*>(s.data()), s.size(), out);
    return out;
}

bytes inflate(const bytes& z, std::size_t max = std::size_t{1} << 30) {
    bytes out;
    loadkit::detail::zlib_inflate(z.data(), z.size(), out, max);
    return out;
}

// Non-empty counters as (lowest, count): what "equal counts per counter" compares.
template <class H> std::vector<std::pair<std::int64_t, std::uint64_t>> counters(const H& h) {
    std::vector<std::pair<std::int64_t, std::uint64_t>> out;
    h.for_each_bucket(
        [&](const loadkit::histogram_bucket& b) { out.emplace_back(b.lowest.count(), b.count); });
    return out;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

// The inner (decompressed) V2 encoding of a line's payload: equal for equal histograms whatever
// the compression.
bytes inner_payload(const std::string& line) {
    const bytes outer = loadkit::detail::base64_decode(line.substr(line.rfind(',') + 1));
    bytes z(outer.begin() + 8, outer.end());
    return inflate(z);
}

// Written by HdrHistogram 2.1.11 (Java, Debian's libhdrhistogram-java) with TZ=UTC: HistogramLogWriter
// outputComment("[Logged with loadkit 0.1.0]"), outputLogFormatVersion(), outputStartTime(1700000000123L),
// outputBaseTime(1700000000123L), outputLegend(), then five outputIntervalHistogram(startSec, endSec, h)
// calls with the histograms that hdr_reference_writer() below builds the same way.
constexpr std::string_view java_reference =
    "#[Logged with loadkit 0.1.0]\n"
    "#[Histogram log format version 1.3]\n"
    "#[StartTime: 1700000000.123 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]\n"
    "#[BaseTime: 1700000000.123 (seconds since epoch)]\n"
    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"
    "0.000,1.000,989.856,HISTFAAAADB42pNpmSzMwMDAxwABTFCakYGB2c1gxwIG+w9QCaafzEwsT8W5HNmWCzMBAK"
    "R4B2c=\n"
    "Tag=checkout,1.001,1.000,3.000,HISTFAAAAHt42pNpmSzMwMC4hgECmKE0I5DpZrBjAYP9B4jAeX6m4/xMiQ2"
    "MG9mZHrIzLWVhes8MRWuZmL4yMn1nhJJwxnpGpkqmaiBGJRG8QiZrKLSFs9B5uNgQnjGTNJMsGMvCWag8XOLUUyXKx"
    "M3EC4X4WLRXddiuAQQcALrtM94=\n"
    "2.000,0.500,0.000,HISTFAAAACF42pNpmSzMwMDAyAABTFAayGd2M9ixgMH+A1QEAFKMBEs=\n"
    "Tag=Tag_with_UTF8_é,2.500,0.623,3710851.744,HISTFAAAACN42pNpmSzMwMDAwgABjAia2c1gxwIG+w8QAb"
    "6LnEwAYn4FNw==\n"
    "3.123,0.877,1743.397,HISTFAAAAGd42pNpmSzMwMDgzAABrFCakYGB2c1gxwIG+w9QESZmJn4mY6b5jEyPmZnWc"
    "zNNVmLan8Z0eDMT0/lZ7Ey/N4sy/eyVYNr/VZLpZr8k08wpkkyXF0ox3V0mwdQ8V4pp8xUJJgAGKhn2\n";

loadkit::hlog_writer hdr_reference_writer() {
    loadkit::hlog_writer w(std::chrono::system_clock::time_point{1700000000123ms});
    loadkit::histogram a{{.significant_digits = 2}};
    for (std::int64_t v : {0, 1, 255, 256, 257}) {
        a.record(v);
    }
    a.record(1000000, 5);
    a.record(1234567, 3);
    a.record(987654321);
    w.add("", 0s, 1s, a);
    loadkit::histogram b{{.significant_digits = 3}};
    for (std::int64_t v = 1000; v < 200000; v += 997) {
        b.record(v);
    }
    b.record(2047, 64);
    b.record(3000000, std::uint64_t{1} << 40);
    w.add("checkout", 1000500000ns, 999500000ns, b); // starts at 1.0005 s: Java prints 1.001
    w.add("", 2s, 500ms, loadkit::histogram{{.significant_digits = 2}});
    loadkit::histogram d{{.significant_digits = 1}};
    d.record(0, 7);
    d.record(3600000000000);
    w.add("Tag_with_UTF8_\xc3\xa9", 2500ms, 623456789ns, d);
    loadkit::histogram e{{.significant_digits = 5}};
    for (std::int64_t v = 1; v < 5000000000; v = v * 3 + 1) {
        e.record(v);
    }
    w.add("", 3123456789ns, 876543211ns, e);
    return w;
}

// A run with three tags (one with a nasty name), a warm-up, an error burst and a latency spike.
loadkit::run_report sample_report(std::string_view third_tag = "pay, \"now\"\n<&>") {
    using time_point = loadkit::recorder::time_point;
    const time_point t0{};
    loadkit::recorder rec{t0, {.interval = 1s, .warmup = 2s}};
    const loadkit::tag_id tags[] = {rec.tag("login"), rec.tag("search"), rec.tag(third_tag)};
    std::mt19937_64 rng(42); // fixed seed
    std::lognormal_distribution<double> latency(std::log(2e6), 0.6);
    for (int s = 0; s < 13; ++s) { // the last second is cut short: the run ends at 12.5 s
        for (int i = 0; i < (s < 12 ? 300 : 150); ++i) {
            const auto tag = tags[rng() % 3];
            auto ns = static_cast<std::int64_t>(latency(rng));
            if (s == 7) {
                ns *= 20; // spike
            }
            const bool failed = s == 9 && i % 3 == 0;
            rec.local().record(tag, failed ? loadkit::outcome::error("http", "503") : loadkit::outcome::ok(),
                               std::chrono::nanoseconds{ns});
        }
        if (s < 12) {
            rec.tick(t0 + std::chrono::seconds{s + 1});
        }
    }
    loadkit::run_report report;
    report.title = "hlog test";
    report.started = std::chrono::system_clock::time_point{1700000000000ms};
    report.result = rec.finish(t0 + 12500ms);
    return report;
}

} // namespace

TEST_CASE("ZigZag LEB128-64b9B encodes HdrHistogram's varints, 1 byte for -64..63 and 9 at most",
          "[hlog][codec]") {
    CHECK(zigzag_bytes(0) == bytes{0x00});
    CHECK(zigzag_bytes(-1) == bytes{0x01});
    CHECK(zigzag_bytes(1) == bytes{0x02});
    CHECK(zigzag_bytes(63) == bytes{0x7E});
    CHECK(zigzag_bytes(-64) == bytes{0x7F});
    CHECK(zigzag_bytes(64) == bytes{0x80, 0x01});
    CHECK(zigzag_bytes(-65) == bytes{0x81, 0x01});
    CHECK(zigzag_bytes(300) == bytes{0xD8, 0x04});
    // 2^55 needs 57 bits zigzagged: the 9th byte carries 8 bits, no continuation bit.
    CHECK(zigzag_bytes(std::numeric_limits<std::int64_t>::max()) ==
          bytes{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
    CHECK(zigzag_bytes(std::numeric_limits<std::int64_t>::min()) ==
          bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
    std::vector<std::int64_t> values = {0, 1, -1, 63, 64, -64, -65, 127, 128, 8191, 8192, -8193};
    for (int bit = 0; bit < 63; ++bit) {
        const std::int64_t p = std::int64_t{1} << bit;
        values.insert(values.end(), {p, p - 1, -p, -p + 1, -p - 1});
    }
    values.push_back(std::numeric_limits<std::int64_t>::max());
    values.push_back(std::numeric_limits<std::int64_t>::min());
    bytes all;
    for (std::int64_t v : values) {
        const bytes one = zigzag_bytes(v);
        const auto zz = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
        const std::size_t expected = zz < (std::uint64_t{1} << 56) ? (std::bit_width(zz | 1) + 6) / 7 : 9;
        CHECK(one.size() == expected);
        all.insert(all.end(), one.begin(), one.end());
    }
    loadkit::detail::hlog_cursor in(all.data(), all.size());
    for (std::int64_t v : values) {
        CHECK(in.zigzag() == v);
    }
    CHECK(in.remaining() == 0);
    CHECK_THROWS_AS(in.zigzag(), loadkit::detail::hlog_format_error); // truncated
    const bytes cut = {0x80, 0x80};
    loadkit::detail::hlog_cursor short_in(cut.data(), cut.size());
    CHECK_THROWS_AS(short_in.zigzag(), loadkit::detail::hlog_format_error);
}

TEST_CASE("base64 follows RFC 4648 (test vectors, padding) and rejects malformed text", "[hlog][codec]") {
    CHECK(b64("").empty());
    CHECK(b64("f") == "Zg==");
    CHECK(b64("fo") == "Zm8=");
    CHECK(b64("foo") == "Zm9v");
    CHECK(b64("foob") == "Zm9vYg==");
    CHECK(b64("fooba") == "Zm9vYmE=");
    CHECK(b64("foobar") == "Zm9vYmFy");
    bytes all(256);
    for (std::size_t i = 0; i < all.size(); ++i) {
        all[i] = static_cast<std::uint8_t>(255 - i);
    }
    for (std::size_t n : {0u, 1u, 2u, 3u, 254u, 255u, 256u}) {
        std::string text;
        loadkit::detail::base64_encode(all.data(), n, text);
        CHECK(text.size() == (n + 2) / 3 * 4);
        CHECK(loadkit::detail::base64_decode(text) ==
              bytes(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n)));
    }
    CHECK(b64("\xfb\xff") == "+/8=");
    for (std::string_view bad : {"Zg=", "Zg=a", "Z===", "Zm9v!A==", "Zh==", "Zm9=", "=Zm9"}) {
        CHECK_THROWS_AS(loadkit::detail::base64_decode(bad), loadkit::detail::hlog_format_error);
    }
}

TEST_CASE("stored-block zlib streams are valid: header, 65,535-byte blocks, Adler-32", "[hlog][zlib]") {
    const std::string wiki = "Wikipedia";
    CHECK(loadkit::detail::adler32(reinterpret_cast<const std::uint8_t*>(wiki.data()), wiki.size()) ==
          0x11E60398u);
    CHECK(loadkit::detail::adler32(nullptr, 0) == 1u);
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{65534}, std::size_t{65535},
                          std::size_t{65536}, std::size_t{131070}, std::size_t{200000}}) {
        bytes data(n);
        std::uint32_t x = 7;
        for (auto& b : data) {
            x = x * 1103515245u + 12345u;
            b = static_cast<std::uint8_t>(x >> 24); // all 256 values: sums reach the 5552-byte reduction
        }
        bytes z;
        loadkit::detail::zlib_store(data.data(), data.size(), z);
        const std::size_t blocks = n == 0 ? 1 : (n + 65534) / 65535;
        REQUIRE(z.size() == 2 + 5 * blocks + n + 4);
        CHECK(z[0] == 0x78);
        CHECK(z[1] == 0x01);
        CHECK((z[0] * 256 + z[1]) % 31 == 0);
        std::size_t at = 2;
        for (std::size_t k = 0; k < blocks; ++k) {
            const std::size_t len = z[at + 1] | (std::size_t{z[at + 2]} << 8);
            const std::size_t nlen = z[at + 3] | (std::size_t{z[at + 4]} << 8);
            CHECK(z[at] == (k + 1 == blocks ? 1 : 0)); // BFINAL on the last block only, BTYPE 00
            CHECK(len == (k + 1 == blocks ? n - k * 65535 : 65535));
            CHECK(nlen == (~len & 0xFFFF));
            at += 5 + len;
        }
        const std::uint32_t adler = loadkit::detail::adler32(data.data(), data.size());
        CHECK(z[at] == (adler >> 24));
        CHECK(z[at + 3] == (adler & 0xFF));
        CHECK(inflate(z) == data);
        // A flipped data byte fails the checksum.
        if (n > 0) {
            z[2 + 5 + n / 2 % 65535] ^= 0x40;
            CHECK_THROWS_WITH(inflate(z), loadkit_test::contains_text("Adler-32"));
        }
    }
}

TEST_CASE("inflate decodes fixed and dynamic Huffman blocks (zlib level 9) and rejects corrupt streams",
          "[hlog][zlib]") {
    // zlib.compress(b"hello hello hello hello", 9): one fixed-Huffman block with a back-reference.
    const bytes fixed = {0x78, 0xda, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57,
                         0xc8, 0x40, 0x27, 0x01, 0x68, 0x03, 0x08, 0xb1};
    const bytes hello = inflate(fixed);
    CHECK(std::string(hello.begin(), hello.end()) == "hello hello hello hello");
    // zlib.compress(skewed, 9) of 400 letters from an LCG: one dynamic-Huffman block.
    const bytes dynamic = {
        0x78, 0xda, 0x2d, 0x50, 0x4b, 0x16, 0xc4, 0x30, 0x08, 0x3a, 0x2b, 0x1f, 0xd3, 0x45, 0x7b, 0xff, 0xf5,
        0x80, 0x99, 0xbe, 0x7c, 0xac, 0x41, 0x50, 0x64, 0x1c, 0x90, 0xc8, 0x26, 0x2d, 0x25, 0x78, 0x47, 0x7a,
        0xfd, 0x36, 0x4b, 0x8a, 0x30, 0x92, 0x1f, 0xd0, 0x1f, 0x30, 0x00, 0x02, 0xf2, 0xa4, 0x02, 0x79, 0x6f,
        0x42, 0xbd, 0x73, 0x60, 0x52, 0x8d, 0x4f, 0x27, 0x05, 0x27, 0x5c, 0x06, 0x65, 0xe7, 0xd1, 0xc5, 0x06,
        0x32, 0x03, 0x6d, 0x90, 0xe4, 0x28, 0x8f, 0x98, 0x6a, 0x44, 0x80, 0xed, 0xa0, 0x77, 0x36, 0xf8, 0x67,
        0xae, 0xe4, 0xdc, 0x54, 0x4f, 0xad, 0x78, 0x1a, 0xca, 0xbf, 0xad, 0x45, 0x99, 0x2c, 0x45, 0x75, 0xfd,
        0x24, 0xd3, 0xa0, 0x9f, 0x4b, 0xb7, 0x5a, 0x4b, 0x9a, 0xb8, 0x44, 0xc2, 0x8d, 0x33, 0x40, 0x05, 0xca,
        0xe7, 0xe5, 0x9c, 0xe0, 0x9f, 0xb6, 0x5f, 0x0c, 0x3b, 0x20, 0x85, 0xab, 0xdb, 0x21, 0x6e, 0x73, 0x2e,
        0xab, 0x6a, 0xc8, 0xdf, 0x86, 0xe7, 0x73, 0x27, 0xae, 0x67, 0x29, 0x3a, 0x1d, 0xb5, 0xbe, 0x94, 0x21,
        0x38, 0x3e, 0x99, 0x73, 0xa1, 0x35, 0x31, 0x8d, 0x76, 0x65, 0x8a, 0xa3, 0xad, 0x20, 0x8f, 0x9f, 0xea,
        0xac, 0x81, 0x35, 0xe4, 0x5a, 0xfd, 0x03, 0x8d, 0x71, 0x99, 0xcf};
    REQUIRE(((dynamic[2] >> 1) & 3) == 2);
    std::string skewed;
    std::uint64_t x = 12345;
    for (int i = 0; i < 400; ++i) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        const auto r = static_cast<int>((x >> 16) % 100);
        skewed += static_cast<char>('a' + (r < 40   ? 0
                                           : r < 65 ? 1
                                           : r < 80 ? 2
                                           : r < 90 ? 3
                                           : r < 96 ? 4
                                                    : 5 + r % 7));
    }
    const bytes out = inflate(dynamic);
    CHECK(std::string(out.begin(), out.end()) == skewed);
    // Corruptions: header, truncation, checksum, output bound.
    bytes bad = fixed;
    bad[1] ^= 1;
    CHECK_THROWS_WITH(inflate(bad), loadkit_test::contains_text("not a zlib"));
    CHECK_THROWS_AS(inflate(bytes(fixed.begin(), fixed.end() - 5)), loadkit::detail::hlog_format_error);
    bad = fixed;
    bad.back() ^= 1;
    CHECK_THROWS_WITH(inflate(bad), loadkit_test::contains_text("Adler-32"));
    CHECK_THROWS_WITH(inflate(dynamic, 100), loadkit_test::contains_text("exceeds 100 bytes"));
    bad = dynamic;
    bad[40] ^= 0x55;
    CHECK_THROWS_AS(inflate(bad), loadkit::detail::hlog_format_error);
}

TEST_CASE("java_fixed prints as Java's %.3f (shortest decimal, half-up) and dates as Date.toString in UTC",
          "[hlog][text]") {
    using loadkit::detail::java_fixed;
    CHECK(java_fixed(1.0005, 3) == "1.001"); // C's printf: 1.000
    CHECK(java_fixed(0.0005, 3) == "0.001");
    CHECK(java_fixed(0.0004999, 3) == "0.000");
    CHECK(java_fixed(2.0 - 1.0005, 3) == "1.000");
    CHECK(java_fixed(0.15, 1) == "0.2");
    CHECK(java_fixed(9.9995, 3) == "10.000");
    CHECK(java_fixed(999.9999, 3) == "1000.000");
    CHECK(java_fixed(0.0, 3) == "0.000");
    CHECK(java_fixed(1700000000.123, 3) == "1700000000.123");
    CHECK(java_fixed(3710851.7439999999, 3) == "3710851.744");
    CHECK(java_fixed(1e-300, 3) == "0.000");
    CHECK(java_fixed(123456789012.0, 3) == "123456789012.000");
    CHECK(java_fixed(-1.5, 0) == "-2");
    using namespace std::chrono;
    CHECK(loadkit::detail::java_date_utc(sys_time<milliseconds>{1700000000123ms}) ==
          "Tue Nov 14 22:13:20 UTC 2023");
    CHECK(loadkit::detail::java_date_utc(sys_time<milliseconds>{0ms}) == "Thu Jan 01 00:00:00 UTC 1970");
    CHECK(loadkit::detail::java_date_utc(sys_time<milliseconds>{1441812279474ms}) ==
          "Wed Sep 09 15:24:39 UTC 2015");
    CHECK(loadkit::detail::parse_decimal_nanos("1.0005") == 1000500000);
    CHECK(loadkit::detail::parse_decimal_nanos("1441812279.474") == 1441812279474000000);
    CHECK(loadkit::detail::parse_decimal_nanos("0.1234567891") == 123456789);
    CHECK(!loadkit::detail::parse_decimal_nanos("1e3"));
    CHECK(!loadkit::detail::parse_decimal_nanos("."));
    CHECK(!loadkit::detail::parse_decimal_nanos("99999999999.0"));
}

TEST_CASE(".hlog header and lines match HdrHistogram's Java HistogramLogWriter byte for byte",
          "[hlog][format]") {
    const std::string ours = hdr_reference_writer().str();
    if (loadkit::detail::hlog_uses_zlib()) {
        CHECK(ours == java_reference); // same zlib, level 9: the payloads too
    }
    const auto mine = split_lines(ours);
    const auto java = split_lines(std::string(java_reference));
    REQUIRE(mine.size() == java.size());
    for (std::size_t i = 0; i < java.size(); ++i) {
        INFO("line " << i + 1);
        if (java[i].rfind("HISTF") == std::string::npos) {
            CHECK(mine[i] == java[i]); // comment, version, StartTime, BaseTime, legend
            continue;
        }
        // Tag, start, length and max columns exactly; the histogram as the same V2 encoding
        // whatever the compression (stored blocks here, Java's level-9 deflate there).
        CHECK(mine[i].substr(0, mine[i].rfind(',')) == java[i].substr(0, java[i].rfind(',')));
        CHECK(mine[i].substr(mine[i].rfind(',') + 1, 5) == "HISTF"); // cookie 0x1c849314
        CHECK(inner_payload(mine[i]) == inner_payload(java[i]));
    }
    // And the Java-written log reads back as the histograms that made it.
    const loadkit::hlog_log log = loadkit::read_hlog(java_reference);
    CHECK(log.format_version == "1.3");
    CHECK(log.comments == std::vector<std::string>{"[Logged with loadkit 0.1.0]"});
    REQUIRE(log.start_time);
    CHECK(*log.start_time == std::chrono::system_clock::time_point{1700000000123ms});
    REQUIRE(log.intervals.size() == 5);
    CHECK(log.intervals[1].tag == "checkout");
    CHECK(log.intervals[1].start == 1001ms);
    CHECK(log.intervals[1].max == 3.0);
    CHECK(log.intervals[1].latency.count() == (std::uint64_t{1} << 40) + 64 + 200);
    CHECK(log.intervals[2].latency.empty());
    CHECK(log.intervals[3].tag == "Tag_with_UTF8_\xc3\xa9");
    CHECK(log.intervals[3].latency.count() == 8);
    CHECK(log.intervals[4].latency.significant_digits() == 5);
}

TEST_CASE("loadkit histograms of 1..5 significant digits round-trip through .hlog counter for counter",
          "[hlog][roundtrip]") {
    std::mt19937_64 rng(7); // fixed seed
    std::lognormal_distribution<double> d(std::log(3e6), 1.5);
    for (int digits = 1; digits <= 5; ++digits) {
        loadkit::histogram h{{.significant_digits = digits, .highest = 10min}};
        for (int i = 0; i < 20000; ++i) {
            h.record(static_cast<std::int64_t>(d(rng)));
        }
        h.record(0, 3);
        h.record(std::chrono::nanoseconds{10min}, 2); // the top counter
        loadkit::hlog_writer w(std::chrono::system_clock::time_point{}, {.comment = ""});
        w.add("t", 5s, 1s, h);
        const loadkit::hlog_log log = loadkit::read_hlog(w.str());
        REQUIRE(log.intervals.size() == 1);
        const loadkit::histogram& back = log.intervals[0].latency;
        INFO("digits " << digits);
        CHECK(back.sub_bucket_count() == h.sub_bucket_count());
        CHECK(counters(back) == counters(h));
        CHECK(back.count() == h.count());
        CHECK(log.intervals[0].start == 5s);
        CHECK(log.intervals[0].length == 1s);
    }
}

TEST_CASE(
    "a max_relative_error layout no HdrHistogram layout matches is written finer and reads back exactly",
    "[hlog][roundtrip]") {
    const loadkit::histogram_options precision{.max_relative_error = 0.001}; // 1024 sub-buckets
    loadkit::histogram h{precision};
    std::mt19937_64 rng(11); // fixed seed
    for (int i = 0; i < 5000; ++i) {
        h.record(static_cast<std::int64_t>(rng() % 50'000'000));
    }
    loadkit::hlog_writer w(std::chrono::system_clock::time_point{});
    w.add("", 0s, 1s, h);
    // Read with the writer's precision: the same counters.
    const auto same = loadkit::read_hlog(w.str(), {.precision = precision});
    CHECK(counters(same.intervals[0].latency) == counters(h));
    // Read as written (3 digits = 2048 sub-buckets): each count at the finer counter holding its
    // counter's upper edge, so HdrHistogram tools report the same upper edges.
    const auto finer = loadkit::read_hlog(w.str());
    const loadkit::histogram& f = finer.intervals[0].latency;
    CHECK(f.sub_bucket_count() == 2048);
    CHECK(f.count() == h.count());
    std::vector<std::pair<std::int64_t, std::uint64_t>> tops;
    h.for_each_bucket(
        [&](const loadkit::histogram_bucket& b) { tops.emplace_back(b.highest.count(), b.count); });
    std::vector<std::pair<std::int64_t, std::uint64_t>> fine_tops;
    f.for_each_bucket(
        [&](const loadkit::histogram_bucket& b) { fine_tops.emplace_back(b.highest.count(), b.count); });
    CHECK(fine_tops == tops);
}

TEST_CASE("a run's intervals round-trip exactly per tag and per interval; tags are sanitized and unique",
          "[hlog][roundtrip]") {
    const loadkit::run_report report = sample_report();
    const std::string text = loadkit::to_hlog(report);
    const auto lines = split_lines(text);
    REQUIRE(lines.size() == 5 + 13 * 4); // header + (overall + 3 tags) x 13 intervals
    CHECK(lines[0] == "#[Logged with loadkit " + std::to_string(LOADKIT_VERSION_MAJOR) + "." +
                          std::to_string(LOADKIT_VERSION_MINOR) + "." +
                          std::to_string(LOADKIT_VERSION_PATCH) + "]");
    CHECK(lines[2] == "#[StartTime: 1700000000.000 (seconds since epoch), Tue Nov 14 22:13:20 UTC 2023]");
    CHECK(lines[3] == "#[BaseTime: 1700000000.000 (seconds since epoch)]");
    CHECK(lines[5].rfind("0.000,1.000,", 0) == 0);
    CHECK(lines[6].rfind("Tag=login,0.000,1.000,", 0) == 0);
    CHECK(lines[7].rfind("Tag=pay__\"now\"_<&>,0.000,1.000,", 0) == 0); // ", \n" -> "__", "_"
    CHECK(lines.back().rfind("Tag=search,12.000,0.500,", 0) == 0);      // the partial last interval
    for (const auto& line : lines) {
        CHECK(line.size() < (line.front() == '#' ? 128u : 100000u)); // HdrHistogram_c's header buffer
    }

    const loadkit::hlog_log log = loadkit::read_hlog(text);
    CHECK(log.tags() == std::vector<std::string>{"", "login", "pay__\"now\"_<&>", "search"});
    const std::vector<std::pair<std::string, const loadkit::tag_result*>> expected = {
        {"", &report.result.overall},
        {"login", report.result.find("login")},
        {"pay__\"now\"_<&>", report.result.find("pay, \"now\"\n<&>")},
        {"search", report.result.find("search")}};
    std::size_t checked = 0;
    for (const auto& [tag, result] : expected) {
        REQUIRE(result != nullptr);
        std::size_t i = 0;
        for (const auto& interval : log.intervals) {
            if (interval.tag != tag) {
                continue;
            }
            REQUIRE(i < result->intervals.intervals.size());
            INFO("tag '" << tag << "' interval " << i);
            CHECK(interval.start == result->intervals.start_of(i));
            CHECK(loadkit::sparse_histogram(interval.latency) == result->intervals.intervals[i].latency);
            CHECK(counters(interval.latency) == counters(result->intervals.intervals[i].latency));
            ++i;
            ++checked;
        }
        CHECK(i == result->intervals.intervals.size());
        // Merged over the run: the interval series' total.
        CHECK(loadkit::sparse_histogram(log.merged(tag)) == result->intervals.total().latency);
    }
    CHECK(checked == 13 * 4);
    // Only the steady state after the warm-up, by time range: intervals starting at 2 s .. 12 s.
    CHECK(log.merged("login", 2s, 12s).count() + log.merged("login", 0s, 1s).count() ==
          log.merged("login").count());

    // Absolute timestamps without BaseTime read back the same; a tag that sanitizes to another's
    // name gets a suffix instead of merging with it.
    loadkit::run_report twins = sample_report();
    twins.result.tags[0].name = "a b";
    twins.result.tags[1].name = "a_b";
    const std::string twin_text = loadkit::to_hlog(twins, {.base_time = false, .overall = false});
    CHECK(split_lines(twin_text).at(4).rfind("Tag=a_b,1700000000.000,1.000,", 0) == 0);
    const auto twin_log = loadkit::read_hlog(twin_text);
    CHECK(twin_log.tags() == std::vector<std::string>{"a_b", "a_b_2", "search"});
    CHECK(twin_log.base_time == std::nullopt);
    CHECK(twin_log.intervals.front().start == 0s);
    CHECK(twin_log.intervals.back().start == 12s);
    CHECK(loadkit::sparse_histogram(twin_log.merged("a_b_2")) ==
          twins.result.tags[1].intervals.total().latency);
}

TEST_CASE("hlog tags replace or reject the characters the format reserves", "[hlog][tags]") {
    CHECK(loadkit::hlog_tag("a,b c\r\nd\te\x7f") == "a_b_c__d_e_");
    CHECK(loadkit::hlog_tag("caf\xc3\xa9/\"x\"<&>") == "caf\xc3\xa9/\"x\"<&>"); // UTF-8 and punctuation stay
    CHECK(loadkit::hlog_tag("") == "_");
    CHECK(contains(invalid_argument_message(
                       [] { static_cast<void>(loadkit::hlog_tag("a,b", loadkit::hlog_tag_policy::reject)); }),
                   "tag \"a?b\""));
    loadkit::hlog_writer strict(std::chrono::system_clock::time_point{},
                                {.tag_policy = loadkit::hlog_tag_policy::reject});
    CHECK_THROWS_AS(strict.add("x y", 0s, 1s, loadkit::histogram{}), std::invalid_argument);
    strict.add("x_y", 0s, 1s, loadkit::histogram{});
    CHECK(contains(strict.str(), "\nTag=x_y,0.000,1.000,0.000,HISTF"));
    // Sanitized names pair with collisions: "a b" and "a_b" stay apart.
    loadkit::hlog_writer w(std::chrono::system_clock::time_point{});
    w.add("a b", 0s, 1s, loadkit::histogram{});
    CHECK(contains(w.str(), "\nTag=a_b,"));
}

TEST_CASE("hlog tags write ill-formed UTF-8 as U+FFFD, with either tag policy", "[hlog][tags]") {
    CHECK(loadkit::hlog_tag("bad\xFF\xC3(end") == "bad\xEF\xBF\xBD\xEF\xBF\xBD(end");
    CHECK(loadkit::hlog_tag("cut\xE2\x82", loadkit::hlog_tag_policy::reject) == "cut\xEF\xBF\xBD");
    CHECK(loadkit::hlog_tag("caf\xC3\xA9") == "caf\xC3\xA9");
    loadkit::hlog_writer w(std::chrono::system_clock::time_point{});
    loadkit::histogram h;
    h.record(1000);
    w.add("x\xC0\xAFy", 0s, 1s, h); // an overlong '/': two ill-formed bytes
    const loadkit::hlog_log log = loadkit::read_hlog(w.str());
    REQUIRE(log.intervals.size() == 1);
    CHECK(log.intervals[0].tag == "x\xEF\xBF\xBD\xEF\xBF\xBDy");
}

TEST_CASE("hlog options are validated, naming the field and the value", "[hlog][options]") {
    const auto make = [](loadkit::hlog_options o) {
        loadkit::hlog_writer w(std::chrono::system_clock::time_point{}, o);
    };
    CHECK(invalid_argument_message([&] { make({.max_value_unit_ratio = -1.0}); }) ==
          "loadkit::hlog_options: max_value_unit_ratio = -1 (expected a finite value > 0)");
    CHECK(contains(invalid_argument_message([&] { make({.comment = "two\nlines"}); }),
                   "loadkit::hlog_options: comment = \"two"));
    CHECK(contains(invalid_argument_message([&] { make({.comment = std::string(101, 'x')}); }), "101 bytes"));
    CHECK(invalid_argument_message([&] { make({.compression_level = 10}); }) ==
          "loadkit::hlog_options: compression_level = 10 (expected 0 .. 9)");
    // The unit ratio scales the max column: raw nanoseconds with 1.
    loadkit::histogram h{{.significant_digits = 3}};
    h.record(1000);
    loadkit::hlog_writer raw(std::chrono::system_clock::time_point{},
                             {.comment = "", .max_value_unit_ratio = 1.0});
    raw.add("", 0s, 1s, h);
    CHECK(contains(raw.str(), "\n0.000,1.000,1000.000,HISTF"));
}

TEST_CASE("read_hlog names the line of malformed input", "[hlog][read]") {
    std::string text = hdr_reference_writer().str();
    CHECK_THROWS_WITH(loadkit::read_hlog(text + "1.0,2.0\n"),
                      loadkit_test::contains_text("line 11: expected [Tag=<tag>,]start"));
    CHECK_THROWS_WITH(loadkit::read_hlog(text + "x,1,2,HISTFAAAAA==\n"),
                      loadkit_test::contains_text("line 11: start, length"));
    CHECK_THROWS_WITH(loadkit::read_hlog(text + "1,1,2,HIST!\n"), loadkit_test::contains_text("line 11: "));
    CHECK_THROWS_WITH(loadkit::read_hlog(text + "1,1,2,AAAAAAAA\n"),
                      loadkit_test::contains_text("not an HdrHistogram encoding"));
    // A corrupted payload byte: caught by the Adler-32 (stored blocks) or the encoding checks.
    const std::size_t at = text.find("HISTF") + 60;
    text[at] = text[at] == 'A' ? 'B' : 'A';
    CHECK_THROWS_AS(loadkit::read_hlog(text), loadkit::hlog_error);
    // Windows line endings and blank lines are fine.
    std::string crlf;
    for (char c : hdr_reference_writer().str()) {
        crlf += c == '\n' ? std::string("\r\n\r\n") : std::string(1, c);
    }
    CHECK(loadkit::read_hlog(crlf).intervals.size() == 5);
}

// A line as the hostile log has it: an empty histogram declaring `digits` significant
// digits up to `highest`, i.e. millions of counters before any count is read.
std::string declaring_line(int digits, std::uint64_t highest) {
    const loadkit::detail::hdr_layout layout = loadkit::detail::make_hdr_layout(digits, 1, highest);
    const bytes payload = loadkit::detail::encode_hdr_v2(layout, {}, 9);
    std::string line = "0.000,1.000,0.000,";
    loadkit::detail::base64_encode(payload.data(), payload.size(), line);
    return line + "\n";
}

std::string repeated(const std::string& line, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        out += line;
    }
    return out;
}

// What the intervals read hold in memory (loadkit's own accounting of a histogram's counters).
std::size_t memory_of(const loadkit::hlog_log& log) {
    std::size_t bytes_held = 0;
    for (const auto& i : log.intervals) {
        bytes_held += i.latency.memory_bytes();
    }
    return bytes_held;
}

TEST_CASE("read_hlog bounds the counters it builds: 20 lines declaring 5 digits up to 2^63 ns stay under "
          "100 MiB, with an error naming the line and the bound",
          "[hlog][read][bounds]") {
    const std::uint64_t top = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    const std::string hostile = declaring_line(5, top); // 6,160,384 counters: 47 MiB each
    const std::string text = repeated(hostile, 20);
    CHECK(text.size() < 2000);
    // Defaults: the first line is past the per-interval bound; nothing of it is built.
    CHECK_THROWS_WITH(
        loadkit::read_hlog(text),
        loadkit_test::contains_text("line 1: a histogram of 5 significant digits up to "
                                    "9223372036854775807 ns takes 6160384 counters (47 MiB), more "
                                    "than hlog_read_options::max_counters_per_interval = 4194304"));
    // With the per-interval bound raised past it, the total bound stops the log at the line that
    // would cross 100 MiB: what was built before it (the reader's own accounting) stays under.
    loadkit::hlog_read_options options;
    options.max_counters_per_interval = std::size_t{1} << 23;
    options.max_counters_total = (std::size_t{100} << 20) / sizeof(std::uint64_t);
    CHECK_THROWS_WITH(
        loadkit::read_hlog(text, options),
        loadkit_test::contains_text("line 3: the log's histograms would take 18481152 counters "
                                    "(141 MiB), more than hlog_read_options::max_counters_total = "
                                    "13107200"));
    const loadkit::hlog_log two = loadkit::read_hlog(repeated(hostile, 2), options);
    REQUIRE(two.intervals.size() == 2);
    CHECK(memory_of(two) > std::size_t{90} << 20);
    CHECK(memory_of(two) < std::size_t{100} << 20);
    // The defaults hold loadkit's own logs at any precision with the default 1 h range.
    for (int digits = 1; digits <= 5; ++digits) {
        loadkit::histogram h{{.significant_digits = digits}};
        h.record(1500us);
        loadkit::hlog_writer w(std::chrono::system_clock::time_point{});
        w.add("", 0s, 1s, h);
        w.add("", 1s, 1s, h);
        const loadkit::hlog_log log = loadkit::read_hlog(w.str());
        REQUIRE(log.intervals.size() == 2);
        CHECK(counters(log.intervals[1].latency) == counters(h));
    }
}

// Found by reading the reader for what a fuzzed log can reach: start + BaseTime - StartTime was
// computed in 64 bits and overflowed (undefined behaviour) for times near 2^63 ns.
TEST_CASE("read_hlog rejects an interval start beyond 2^63 ns, naming the line", "[hlog][read]") {
    loadkit::histogram h{{.significant_digits = 2}};
    h.record(1ms);
    loadkit::hlog_writer w(std::chrono::system_clock::time_point{}, {.comment = "", .base_time = false});
    w.add("", 0s, 1s, h);
    const std::string line = split_lines(w.str()).back();
    const std::string payload = line.substr(line.rfind(',') + 1);
    CHECK_THROWS_WITH(loadkit::read_hlog("#[BaseTime: 9000000000.000 (seconds since epoch)]\n"
                                         "#[StartTime: 1.000 (seconds since epoch)]\n"
                                         "9000000000.000,1.000,0.000," +
                                         payload + "\n"),
                      loadkit_test::contains_text("line 3: the interval's start (timestamp + BaseTime - "
                                                  "StartTime) is beyond 2^63 ns"));
    // Within range, the same arithmetic: 4.5e9 s + 4.5e9 s - 1 s.
    const loadkit::hlog_log log = loadkit::read_hlog("#[BaseTime: 4500000000.000 (seconds since epoch)]\n"
                                                     "#[StartTime: 1.000 (seconds since epoch)]\n"
                                                     "4500000000.000,1.000,0.000," +
                                                     payload + "\n");
    REQUIRE(log.intervals.size() == 1);
    CHECK(log.intervals[0].start == std::chrono::seconds{8'999'999'999});
}

TEST_CASE("hlog read options are validated, naming the field and the value", "[hlog][read][options]") {
    const auto read = [](loadkit::hlog_read_options o) { static_cast<void>(loadkit::read_hlog("", o)); };
    CHECK(invalid_argument_message([&] { read({.max_payload_bytes = 0}); }) ==
          "loadkit::hlog_read_options: max_payload_bytes = 0 (expected > 0)");
    CHECK(invalid_argument_message([&] { read({.max_counters_per_interval = 0}); }) ==
          "loadkit::hlog_read_options: max_counters_per_interval = 0 (expected > 0)");
    CHECK(invalid_argument_message([&] { read({.max_counters_total = 0}); }) ==
          "loadkit::hlog_read_options: max_counters_total = 0 (expected > 0)");
    CHECK(invalid_argument_message([&] {
              read({.precision = loadkit::histogram_options{.significant_digits = 5, .highest = 1000h}});
          }) == "loadkit::hlog_read_options: precision = 4665996 counters per histogram (expected at most "
                "max_counters_per_interval = 4194304)");
    CHECK(contains(invalid_argument_message(
                       [&] { read({.precision = loadkit::histogram_options{.significant_digits = 9}}); }),
                   "significant_digits = 9"));
}

TEST_CASE("HdrHistogram's own logs read back with the totals its tests assert (interop files)",
          "[hlog][interop]") {
    const std::filesystem::path dir = std::filesystem::path(test_data_dir()) / "hlog";
    const auto slurp = [&](const char* name) {
        std::ifstream in(dir / name, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    };
    const std::string jhiccup = slurp("jHiccup-2.0.7S.logV2.hlog");
    const std::string tagged = slurp("tagged-Log.logV2.hlog");
    INFO("interop files under " << dir.string());
    REQUIRE_FALSE(jhiccup.empty());
    REQUIRE_FALSE(tagged.empty());
    const loadkit::hlog_log log = loadkit::read_hlog(jhiccup);
    CHECK(log.format_version == "1.2");
    CHECK(log.intervals.size() == 62);
    REQUIRE(log.start_time);
    CHECK(*log.start_time == std::chrono::system_clock::time_point{1441812279474ms});
    const loadkit::histogram all = log.merged("");
    CHECK(all.count() == 48761);
    // HdrHistogram reports the counter's upper edge, loadkit its midpoint: within one counter width
    // (3 digits: 1/1024 of the value).
    // The file holds 2 significant digits (lowest 20,000 ns). HdrHistogram's test adds the intervals
    // into a 3-digit histogram and reports upper edges there; loadkit reports the midpoint of the
    // file's own counter. Both name the same 2-digit counter.
    const loadkit::detail::histogram_layout file_layout =
        loadkit::detail::make_histogram_layout(2, 0, 3600000000000);
    const auto same_counter = [&](std::chrono::nanoseconds ours, std::uint64_t reference) {
        return file_layout.index_of(static_cast<std::uint64_t>(ours.count())) ==
               file_layout.index_of(reference);
    };
    CHECK(all.significant_digits() == 2);
    CHECK(same_counter(all.value_at_percentile(99.9), 1745879039));
    CHECK(same_counter(all.max(), 1796210687));
    // Intervals starting between 5 s and 20 s (HistogramLogReader's relative range).
    std::size_t n = 0;
    for (const auto& i : log.intervals) {
        n += i.start >= 5s && i.start <= 20s ? 1u : 0u;
    }
    CHECK(n == 15);
    const loadkit::histogram window = log.merged("", 5s, 20s);
    CHECK(window.count() == 11664);
    CHECK(same_counter(window.value_at_percentile(99.9), 1536163839));
    CHECK(same_counter(window.max(), 1544552447));

    const loadkit::hlog_log t = loadkit::read_hlog(tagged);
    std::uint64_t total = 0;
    for (const auto& i : t.intervals) {
        total += i.latency.count();
    }
    CHECK(total == 32290);
    CHECK(t.tags() == std::vector<std::string>{"", "A"});
    CHECK(t.merged("A") == t.merged(""));
}
