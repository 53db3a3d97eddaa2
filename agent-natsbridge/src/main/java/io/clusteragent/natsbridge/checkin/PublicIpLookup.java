package io.clusteragent.natsbridge.checkin;

import io.clusteragent.natsbridge.BridgeSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's public egress IP for the fleet map. Disabled by default; when disabled it never
 * makes a request. When enabled, the value is cached and refreshed on the configured interval.
 */
public final class PublicIpLookup {

  private static final Logger log = LoggerFactory.getLogger(PublicIpLookup.class);
  private static final Pattern JSON_IP = Pattern.compile("\"ip\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern IP = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private final BridgeSettings.PublicIp settings;
  private final HttpClient http;
  private final MeterRegistry meters;
  private volatile String current;

  public PublicIpLookup(BridgeSettings.PublicIp settings, MeterRegistry meters) {
    this.settings = settings;
    this.meters = meters;
    // A JDK HttpClient starts a selector thread and its buffers: made only when it will be used.
    this.http =
        settings.reportingEnabled()
            ? HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(settings.lookupTimeoutSeconds()))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build()
            : null;
  }

  public boolean enabled() {
    return settings.reportingEnabled();
  }

  public Duration refreshInterval() {
    return Duration.ofSeconds(settings.refreshSeconds());
  }

  /** The cached IP, or null when disabled or not yet known. */
  public String current() {
    return current;
  }

  /** One lookup, bounded by the lookup timeout. Keeps the previous value if this one fails. */
  public void refresh() {
    if (!settings.reportingEnabled()) {
      return;
    }
    try {
      HttpRequest request =
          HttpRequest.newBuilder(settings.lookupUrl())
              .timeout(Duration.ofSeconds(settings.lookupTimeoutSeconds()))
              .header("Accept", "application/json, text/plain")
              .GET()
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      String ip = response.statusCode() == 200 ? parse(response.body()) : null;
      if (ip == null) {
        meters.counter("agent.public_ip.lookups", "outcome", "bad_answer").increment();
        log.warn(
            "public IP lookup at {} gave no usable IP (HTTP {})",
            settings.lookupUrl().getHost(),
            response.statusCode());
        return;
      }
      meters.counter("agent.public_ip.lookups", "outcome", "ok").increment();
      current = ip;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      meters.counter("agent.public_ip.lookups", "outcome", "error").increment();
      log.warn(
          "public IP lookup at {} failed: {}",
          settings.lookupUrl().getHost(),
          e.getClass().getSimpleName());
    }
  }

  /** Accepts {@code {"ip": "..."}} or a plain-text address. */
  static String parse(String body) {
    if (body == null) {
      return null;
    }
    Matcher json = JSON_IP.matcher(body);
    String candidate = json.find() ? json.group(1).strip() : body.strip();
    return IP.matcher(candidate).matches() && (candidate.contains(".") || candidate.contains(":"))
        ? candidate
        : null;
  }
}
