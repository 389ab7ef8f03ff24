<?php
// Runs docs/drupal.md's "readme-php" blocks (extracted by ClientCompatibilityIT into the directory given as the
// first argument) against a gateway, and prints what the PHP code saw as JSON for the test to check.
declare(strict_types=1);
error_reporting(E_ALL);
set_error_handler(function (int $severity, string $message, string $file, int $line): bool {
  throw new ErrorException($message, 0, $severity, $file, $line);
});

require_once 'GuzzleHttp/autoload.php';

use Drupal\keap_gateway\KeapGatewayClient;
use GuzzleHttp\Client;
use GuzzleHttp\Middleware;

$blocks = $argv[1];
require $blocks . '/client.php';

$gatewayUrl = getenv('GATEWAY_URL');
$gatewayKey = getenv('GATEWAY_KEY');
require $blocks . '/calls.php';

// The retry middleware, as docs/drupal.md configures it, against a key allowed one request per second.
$options = KeapGatewayClient::options($gatewayUrl, getenv('SLOW_GATEWAY_KEY'));
$history = [];
$options['handler']->push(Middleware::history($history));
$slow = new Client($options);
$slow->get('contacts');
$started = microtime(TRUE);
$final = $slow->get('contacts')->getStatusCode();
$limited = [
  'final_status' => $final,
  'statuses' => array_map(fn ($exchange) => $exchange['response']->getStatusCode(), $history),
  'retry_after' => array_map(fn ($exchange) => $exchange['response']->getHeaderLine('Retry-After'), $history),
  'seconds' => microtime(TRUE) - $started,
];

echo json_encode([
  'contacts' => $contacts,
  'created' => $created,
  'linked' => $linked,
  'contact' => $contact,
  'problem' => $problem ?? NULL,
  'me' => $me,
  'limited' => $limited,
], JSON_PRETTY_PRINT), "\n";
