(ns portcullis.identity
  "The client identity Portcullis verified, as Ring middleware.

  Portcullis terminates mutual TLS, removes every identity header the client sent (in any case,
  with _ read as -) and sets its own on every request it forwards. `wrap-client-identity` puts
  them under :client-identity and answers 403 to a request that did not come through Portcullis
  (no X-Client-Verify) or has no verified certificate.

  That check is a tripwire, not the trust boundary: bind the service to 127.0.0.1 (or the
  pod-local address) so that only Portcullis can reach it."
  (:require [clojure.string :as str]))

(def default-headers
  "Ring lower-cases header names. Change together with identity.headers in portcullis.yaml."
  {:verify      "x-client-verify"
   :subject     "x-client-dn"
   :issuer      "x-client-issuer-dn"
   :fingerprint "x-client-fingerprint"
   :serial      "x-client-serial"
   :san         "x-client-san"
   :not-after   "x-client-not-after"})

(defn- forbidden [error message]
  {:status  403
   :headers {"Content-Type" "application/json"}
   :body    (str "{\"error\":\"" error "\",\"message\":\"" message "\"}")})

(defn- split-san
  "\"DNS:a.example, URI:spiffe://td/x\" -> [\"DNS:a.example\" \"URI:spiffe://td/x\"]."
  [san]
  (if (str/blank? san) [] (str/split san #", ")))

(defn request->identity
  "The identity map in `request`'s headers, or nil when X-Client-Verify is not SUCCESS."
  ([request] (request->identity request default-headers))
  ([request names]
   (let [headers (:headers request)
         value   #(get headers (names %))]
     (when (= "SUCCESS" (value :verify))
       {:verified    true
        :subject     (value :subject)
        :issuer      (value :issuer)
        :fingerprint (value :fingerprint)
        :serial      (value :serial)
        :san         (split-san (value :san))
        :not-after   (value :not-after)}))))

(defn wrap-client-identity
  "Adds :client-identity to the request. Options:
    :headers              header names, default `default-headers`
    :require-certificate? true (default): 403 unless X-Client-Verify is SUCCESS;
                          false: X-Client-Verify NONE passes with {:verified false}"
  ([handler] (wrap-client-identity handler {}))
  ([handler {:keys [headers require-certificate?]
             :or   {headers default-headers require-certificate? true}}]
   (letfn [(identify [request]
             (let [verify (get-in request [:headers (headers :verify)])]
               (cond
                 (nil? verify)
                 [nil (forbidden "not_through_portcullis" "the request did not come through Portcullis")]

                 (= "SUCCESS" verify)
                 [(assoc request :client-identity (request->identity request headers)) nil]

                 (and (= "NONE" verify) (not require-certificate?))
                 [(assoc request :client-identity {:verified false}) nil]

                 :else
                 [nil (forbidden "no_verified_certificate" "a verified client certificate is required")])))]
     (fn
       ([request]
        (let [[request refusal] (identify request)]
          (or refusal (handler request))))
       ([request respond raise]
        (let [[request refusal] (identify request)]
          (if refusal (respond refusal) (handler request respond raise))))))))
