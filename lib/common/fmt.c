// SPDX-License-Identifier: MIT OR Apache-2.0
//
// fmt.c - the printf engine behind kernel and service logging (see fmt.h).
//
// Arguments are fetched with va_arg only in fmt_vformat() itself: on x86-64 a
// va_list parameter is really a pointer, and passing "&ap" on to helpers is
// not portable. Helpers receive plain values.

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

#define FMT_INT_MAX ((int)(~0u >> 1))

struct out {
    fmt_putc_fn fn;
    void *ctx;
    size_t count;
};

struct spec {
    bool left;  // '-': pad on the right
    bool zero;  // '0': pad numbers with zeros
    bool plus;  // '+': always print a sign
    bool space; // ' ': a space where '+' would be
    bool alt;   // '#': 0x / leading 0
    int width;  // minimum field width, 0 if none
    int prec;   // precision, -1 if none
};

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

static void
emit(struct out *o, char c)
{
    o->fn(o->ctx, c);
    o->count++;
}

static void
emit_repeat(struct out *o, char c, size_t n)
{
    while (n-- > 0)
        emit(o, c);
}

static void
emit_str(struct out *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        emit(o, s[i]);
}

static size_t
pad_len(const struct spec *sp, size_t len)
{
    return sp->width > 0 && (size_t)sp->width > len ? (size_t)sp->width - len : 0;
}

// Emit s (len bytes) in a field of sp->width, padded with spaces.
static void
emit_field(struct out *o, const struct spec *sp, const char *s, size_t len)
{
    size_t pad = pad_len(sp, len);

    if (!sp->left)
        emit_repeat(o, ' ', pad);
    emit_str(o, s, len);
    if (sp->left)
        emit_repeat(o, ' ', pad);
}

// Emit an integer: mag is the magnitude, neg its sign (signed conversions only).
static void
emit_int(struct out *o, const struct spec *sp, uintmax_t mag, bool neg, bool is_signed, unsigned base,
         bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[sizeof(uintmax_t) * 3]; // enough for 64-bit octal (22 digits)
    size_t n = 0;
    bool nonzero = mag != 0;

    // C rule: zero with precision 0 prints no digits at all.
    if (nonzero || sp->prec != 0) {
        do {
            buf[n++] = digits[mag % base];
            mag /= base;
        } while (mag != 0);
    }

    size_t prec = sp->prec > 0 ? (size_t)sp->prec : 0;
    // '#' with octal: the first digit printed must be a 0.
    if (sp->alt && base == 8 && (n == 0 || nonzero) && prec <= n)
        prec = n + 1;

    char prefix[2];
    size_t prefix_len = 0;
    if (is_signed) {
        if (neg)
            prefix[prefix_len++] = '-';
        else if (sp->plus)
            prefix[prefix_len++] = '+';
        else if (sp->space)
            prefix[prefix_len++] = ' ';
    } else if (sp->alt && base == 16 && nonzero) {
        prefix[prefix_len++] = '0';
        prefix[prefix_len++] = upper ? 'X' : 'x';
    }

    size_t zeros = prec > n ? prec - n : 0;
    size_t total = prefix_len + zeros + n;
    size_t pad = pad_len(sp, total);
    // '0' is ignored with '-' and, for integers, when a precision is given.
    if (sp->zero && !sp->left && sp->prec < 0) {
        zeros += pad;
        pad = 0;
    }

    if (!sp->left)
        emit_repeat(o, ' ', pad);
    emit_str(o, prefix, prefix_len);
    emit_repeat(o, '0', zeros);
    while (n > 0)
        emit(o, buf[--n]);
    if (sp->left)
        emit_repeat(o, ' ', pad);
}

// Parse a decimal number, saturating at FMT_INT_MAX instead of overflowing.
static int
parse_num(const char **pp)
{
    const char *p = *pp;
    int v = 0;

    while (*p >= '0' && *p <= '9') {
        int d = *p - '0';
        v = v > (FMT_INT_MAX - d) / 10 ? FMT_INT_MAX : v * 10 + d;
        p++;
    }
    *pp = p;
    return v;
}

int
fmt_vformat(fmt_putc_fn putc_fn, void *ctx, const char *fmt, va_list ap)
{
    if (putc_fn == NULL || fmt == NULL)
        return -1;

    struct out o = { putc_fn, ctx, 0 };
    const char *p = fmt;

    while (*p != '\0') {
        if (*p != '%') {
            emit(&o, *p++);
            continue;
        }

        const char *start = p++; // for echoing an unknown conversion
        struct spec sp = { false, false, false, false, false, 0, -1 };

        for (;; p++) {
            if (*p == '-')
                sp.left = true;
            else if (*p == '0')
                sp.zero = true;
            else if (*p == '+')
                sp.plus = true;
            else if (*p == ' ')
                sp.space = true;
            else if (*p == '#')
                sp.alt = true;
            else
                break;
        }

        if (*p == '*') {
            int w = va_arg(ap, int);
            p++;
            // A negative '*' width means '-' plus its magnitude.
            if (w < 0) {
                sp.left = true;
                w = w < -FMT_INT_MAX ? FMT_INT_MAX : -w;
            }
            sp.width = w;
        } else {
            sp.width = parse_num(&p);
        }

        if (*p == '.') {
            p++;
            if (*p == '*') {
                int pr = va_arg(ap, int);
                p++;
                sp.prec = pr < 0 ? -1 : pr; // negative: as if omitted
            } else {
                sp.prec = parse_num(&p); // "." alone means 0
            }
        }

        enum length len = LEN_NONE;
        switch (*p) {
        case 'h':
            p++;
            len = LEN_H;
            if (*p == 'h') {
                p++;
                len = LEN_HH;
            }
            break;
        case 'l':
            p++;
            len = LEN_L;
            if (*p == 'l') {
                p++;
                len = LEN_LL;
            }
            break;
        case 'z':
            p++;
            len = LEN_Z;
            break;
        case 'j':
            p++;
            len = LEN_J;
            break;
        case 't':
            p++;
            len = LEN_T;
            break;
        default: break;
        }

        char conv = *p;
        if (conv == '\0') {
            // Format ends inside a conversion: show what was there.
            emit_str(&o, start, (size_t)(p - start));
            break;
        }
        p++;

        switch (conv) {
        case 'd':
        case 'i': {
            intmax_t v;
            switch (len) {
            case LEN_HH: v = (signed char)va_arg(ap, int); break;
            case LEN_H: v = (short)va_arg(ap, int); break;
            case LEN_L: v = va_arg(ap, long); break;
            case LEN_LL: v = va_arg(ap, long long); break;
            case LEN_Z: v = va_arg(ap, ptrdiff_t); break; // signed size_t
            case LEN_J: v = va_arg(ap, intmax_t); break;
            case LEN_T: v = va_arg(ap, ptrdiff_t); break;
            default: v = va_arg(ap, int); break;
            }
            // Negate in unsigned arithmetic: -INTMAX_MIN would overflow.
            uintmax_t mag = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
            emit_int(&o, &sp, mag, v < 0, true, 10, false);
            break;
        }
        case 'u':
        case 'o':
        case 'x':
        case 'X': {
            uintmax_t v;
            switch (len) {
            case LEN_HH: v = (unsigned char)va_arg(ap, unsigned int); break;
            case LEN_H: v = (unsigned short)va_arg(ap, unsigned int); break;
            case LEN_L: v = va_arg(ap, unsigned long); break;
            case LEN_LL: v = va_arg(ap, unsigned long long); break;
            case LEN_Z: v = va_arg(ap, size_t); break;
            case LEN_J: v = va_arg(ap, uintmax_t); break;
            case LEN_T: v = va_arg(ap, size_t); break; // unsigned ptrdiff_t
            default: v = va_arg(ap, unsigned int); break;
            }
            unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
            emit_int(&o, &sp, v, false, false, base, conv == 'X');
            break;
        }
        case 'p': {
            // Always the full 64-bit width, so addresses line up in logs.
            uint64_t v = (uint64_t)(uintptr_t)va_arg(ap, void *);
            char buf[18];
            buf[0] = '0';
            buf[1] = 'x';
            for (unsigned i = 0; i < 16; i++)
                buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
            emit_field(&o, &sp, buf, sizeof(buf));
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)";
            // With a precision, s need not be NUL-terminated: never
            // read more than prec bytes.
            size_t n = 0;
            if (sp.prec >= 0) {
                while (n < (size_t)sp.prec && s[n] != '\0')
                    n++;
            } else {
                while (s[n] != '\0')
                    n++;
            }
            emit_field(&o, &sp, s, n);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            emit_field(&o, &sp, &c, 1);
            break;
        }
        case '%': emit(&o, '%'); break;
        default:
            // Unknown conversion: echo it verbatim; no argument is consumed.
            emit_str(&o, start, (size_t)(p - start));
            break;
        }
    }

    return o.count > (size_t)FMT_INT_MAX ? -1 : (int)o.count;
}

struct sbuf {
    char *buf;
    size_t cap;
    size_t len; // characters produced so far, stored or not
};

static void
sbuf_putc(void *ctx, char c)
{
    struct sbuf *sb = ctx;

    // Keep the last byte for the terminating NUL.
    if (sb->len + 1 < sb->cap)
        sb->buf[sb->len] = c;
    sb->len++;
}

int
fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    if (buf == NULL && n > 0)
        return -1;

    struct sbuf sb = { buf, n, 0 };
    int rc = fmt_vformat(sbuf_putc, &sb, fmt, ap);

    if (n > 0)
        buf[sb.len < n ? sb.len : n - 1] = '\0';
    return rc;
}

int
fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int rc = fmt_vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return rc;
}
